import type { LoadSection } from "./grpc-load.js";
import { METRICS_OVERHEAD_TARGET, type OverheadRow } from "./metrics-overhead.js";
import type { OperationResult } from "./in-process.js";
import type { ParticipantResult } from "./participants.js";
import type { StalledResult } from "./stalled-watch.js";
import type { RedisBenchResult } from "./redis.js";
import { fmtMs, fmtPct, fmtRate, fmtRatio, mdTable, verdict } from "./stats.js";

/** Everything one `npm run bench` measured, plus how and where. */
export interface BenchReport {
  command: string;
  machine: string;
  startedAt: string;
  quick: boolean;
  inProcess: OperationResult[];
  grpc: LoadSection;
  twirp: LoadSection;
  participants: ParticipantResult | { unavailable: string };
  stalled: StalledResult | { unavailable: string };
  /** VerifyToken with metrics on against metrics off (absent when that section did not run). */
  metricsOverhead?: OverheadRow[] | { unavailable: string };
  redis: RedisBenchResult | { unavailable: string };
}

/** Target thresholds (issues 4, 7 and 10). */
export const TARGETS = {
  vsSdk: 4, vsFloor: 0.5, vsHealth: 0.67, vsHealthStretch: 0.8, vsBare: 0.7, pushP99Ms: 20, rssMb: 300, stalledRssMb: 100, stalledHealthP99Ms: 50,
  redisPushP99Ms: 20, revokeP99Ms: 50,
} as const;

function inProcessSection(ops: OperationResult[]): string {
  const rows = ops.flatMap((o) => o.candidates.map((c) => [o.op, c.name, fmtRate(c.opsPerSec)]));
  const targets = ops.map((o) => [
    o.op, fmtRatio(o.vsSdk), verdict(o.vsSdk >= TARGETS.vsSdk), fmtPct(o.vsFloor), verdict(o.vsFloor >= TARGETS.vsFloor),
  ]);
  return [
    mdTable(["op", "implementation", "ops/s (median)"], rows),
    "",
    mdTable(["op", "roomgate ÷ livekit-server-sdk", `≥ ${TARGETS.vsSdk}×`, "roomgate ÷ floor", `≥ ${fmtPct(TARGETS.vsFloor)}`], targets),
  ].join("\n");
}

function loadSection(section: LoadSection, baseline: string, targets: readonly number[]): string {
  if ("unavailable" in section) return `Not run: ${section.unavailable}.`;
  const heads = targets.map((t) => `≥ ${fmtPct(t)} at 64`);
  return mdTable(
    ["call", "in flight", "calls/s (median)", "mean ms", `÷ ${baseline}`, "server CPU µs/call", `CPU ÷ ${baseline}`, ...heads],
    section.rows.map((r) => [
      r.name, String(r.inFlight), fmtRate(r.rps), fmtMs(r.meanMs), fmtPct(r.vsBaseline), r.serverCpuUs.toFixed(0), fmtRatio(r.cpuVsBaseline),
      ...targets.map((t) => (r.name === baseline || r.inFlight !== 64 ? "" : verdict(r.vsBaseline >= t))),
    ]),
  );
}

/** UpdateParticipant targets under load (issue 10): group commit, server CPU, latency. */
export const UPDATE_TARGETS = { perFlush: 4, cpuUsPerUpdate: 200, p99Ms: 20 } as const;

function participantSection(p: BenchReport["participants"]): string {
  if ("unavailable" in p) return `Not available: ${p.unavailable}`;
  const u = p.update;
  const t = UPDATE_TARGETS;
  return mdTable(["measure", "value", "target"], [
    [`UpdateParticipant, ${u.concurrency} in flight, ${u.watchers} watchers`, `${fmtRate(u.rps)} calls/s, p50 ${fmtMs(u.p50)} ms, p99 ${fmtMs(u.p99)} ms`,
      `p99 ≤ ${t.p99Ms} ms: ${verdict(u.p99 <= t.p99Ms)}`],
    ["… acknowledged updates per store COMMIT (fsync)", u.perFlush.toFixed(1), `≥ ${t.perFlush}: ${verdict(u.perFlush >= t.perFlush)}`],
    ["… server CPU per update", `${u.cpuUsPerUpdate.toFixed(0)} µs`, `≤ ${t.cpuUsPerUpdate} µs: ${verdict(u.cpuUsPerUpdate <= t.cpuUsPerUpdate)}`],
    [`UpdateParticipant → pushed token, ${p.push.watched} watched, ${p.push.updates} updates`, `p50 ${fmtMs(p.push.p50)} ms, p99 ${fmtMs(p.push.p99)} ms`,
      `p99 ≤ ${TARGETS.pushP99Ms} ms: ${verdict(p.push.p99 <= TARGETS.pushP99Ms)}`],
    [`resident memory, ${p.memory.registered.toLocaleString("en-US")} registered`, `${p.memory.rssMb.toFixed(0)} MB (empty server: ${p.memory.rssEmptyMb.toFixed(0)} MB)`,
      `≤ ${TARGETS.rssMb} MB: ${verdict(p.memory.rssMb <= TARGETS.rssMb)}`],
  ]);
}

function stalledSection(st: BenchReport["stalled"]): string {
  if ("unavailable" in st) return `Not available: ${st.unavailable}`;
  const refused = Object.entries(st.refused).map(([code, n]) => `${n} × status ${code}`).join(", ") || "none";
  const health = (h: StalledResult["healthOpen"]) => `p50 ${fmtMs(h.p50)} ms, p99 ${fmtMs(h.p99)} ms, max ${fmtMs(h.max)} ms (${h.count} checks)`;
  const worstRss = Math.max(st.rssAddedOpenMb, st.rssAddedUpdateMb);
  const worstP99 = Math.max(st.healthOpen.p99 || 0, st.healthUpdate.p99 || 0);
  return mdTable(["measure", "value", "target"], [
    [`${st.streams} never-reading WatchParticipant streams, ${(st.metadataBytes / 1000).toFixed(0)} KB metadata`, `${st.opened} open, refused: ${refused}; all answered in ${fmtMs(st.openMs)} ms`, ""],
    ["server RSS added (after full GC)", `${st.rssAddedOpenMb.toFixed(0)} MB open, ${st.rssAddedUpdateMb.toFixed(0)} MB after an update (base ${st.rssBeforeMb.toFixed(0)} MB)`,
      `< ${TARGETS.stalledRssMb} MB: ${verdict(worstRss < TARGETS.stalledRssMb)}`],
    ["Health/Check while the streams open", health(st.healthOpen), ""],
    ["Health/Check while an update is pushed", health(st.healthUpdate), `p99 < ${TARGETS.stalledHealthP99Ms} ms: ${verdict(worstP99 < TARGETS.stalledHealthP99Ms)}`],
  ]);
}

/** The metrics-overhead table: both throughputs, server CPU per call from each server's own account, and the verdict. */
export function metricsSection(rows: OverheadRow[] | { unavailable: string }): string {
  if ("unavailable" in rows) return `Not available: ${rows.unavailable}`;
  return mdTable(
    [
      "in flight", "calls/s, metrics on", "calls/s, metrics off", "on ÷ off", `≥ ${fmtPct(METRICS_OVERHEAD_TARGET)}`,
      "server CPU µs/call on / off (median)", "CPU on ÷ off", "server CPU µs/call on / off (best round)", "best on ÷ off", "mean ms on / off",
    ],
    rows.map((r) => [
      String(r.concurrency), fmtRate(r.on.rps), fmtRate(r.off.rps), fmtPct(r.rpsRatio), verdict(r.rpsRatio >= METRICS_OVERHEAD_TARGET),
      `${r.on.serverCpuUs.toFixed(1)} / ${r.off.serverCpuUs.toFixed(1)}`, fmtPct(r.cpuRatio),
      `${r.on.bestCpuUs.toFixed(1)} / ${r.off.bestCpuUs.toFixed(1)}`, fmtPct(r.bestCpuRatio), `${fmtMs(r.on.meanMs)} / ${fmtMs(r.off.meanMs)}`,
    ]),
  );
}

function redisSection(r: BenchReport["redis"]): string {
  if ("unavailable" in r) return `Not available: ${r.unavailable}`;
  const u = r.update;
  return [
    mdTable(["measure", "value", "target"], [
      [`update on A → pushed token on B, ${r.push.watched} watched on B, ${r.push.updates} updates`, `p50 ${fmtMs(r.push.p50)} ms, p99 ${fmtMs(r.push.p99)} ms`,
        `p99 ≤ ${TARGETS.redisPushP99Ms} ms: ${verdict(r.push.p99 <= TARGETS.redisPushP99Ms)}`],
      [`RemoveParticipant(revoke) acknowledged on A → VerifyToken refused on B, ${r.revocation.count} revocations`,
        `p50 ${fmtMs(r.revocation.p50)} ms, p99 ${fmtMs(r.revocation.p99)} ms`, `p99 ≤ ${TARGETS.revokeP99Ms} ms: ${verdict(r.revocation.p99 <= TARGETS.revokeP99Ms)}`],
      [`UpdateParticipant, ${u.concurrency} in flight, Redis (appendfsync always)`, `${fmtRate(u.redis.rps)} calls/s, p50 ${fmtMs(u.redis.p50)} ms, p99 ${fmtMs(u.redis.p99)} ms`, ""],
      [`UpdateParticipant, ${u.concurrency} in flight, SQLite`, `${fmtRate(u.sqlite.rps)} calls/s, p50 ${fmtMs(u.sqlite.p50)} ms, p99 ${fmtMs(u.sqlite.p99)} ms`, ""],
    ]),
    "",
    "unavailable" in r.verify ? `VerifyToken comparison not available: ${r.verify.unavailable}` : mdTable(["VerifyToken (gRPC, h2load)", "in flight", "calls/s (median)", "÷ SQLite mode", "server CPU µs/call"],
      r.verify.map((v) => [v.name, String(v.concurrency), fmtRate(v.rps), fmtPct(v.vsBaseline), v.serverCpuUs.toFixed(0)])),
  ].join("\n");
}

/** The measured tables as markdown (the prose around them lives in BENCHMARKS.md). */
export function renderReport(r: BenchReport): string {
  return [
    `Command: \`${r.command}\` (${r.quick ? "quick mode: tiny counts, figures meaningless" : "full run"}), started ${r.startedAt}.`,
    `Machine: ${r.machine}.`,
    "",
    "### In-process sign and verify (same claims for all)",
    "",
    inProcessSection(r.inProcess),
    "",
    "### gRPC: h2load posting byte-exact frames (server in its own process)",
    "",
    loadSection(r.grpc, "Health/Check", [TARGETS.vsHealth, TARGETS.vsHealthStretch]),
    "",
    "### Twirp JSON over HTTP/1.1: h2load --h1, one request per connection at a time (server in its own process)",
    "",
    loadSection(r.twirp, "bare node:http JSON", [TARGETS.vsBare]),
    "",
    "### Participant plane (embedded SQLite store)",
    "",
    participantSection(r.participants),
    "",
    "### Stalled watch streams (HTTP/2 clients with a zero window that never read; server in its own process)",
    "",
    stalledSection(r.stalled),
    "",
    ...(r.metricsOverhead ? [
      "### Metrics overhead: VerifyToken with metrics on vs `metrics: false` (two server processes, gRPC)",
      "",
      metricsSection(r.metricsOverhead),
      "",
    ] : []),
    "### Several instances on one Redis (two server processes; Redis started by the bench, appendonly yes, appendfsync always)",
    "",
    redisSection(r.redis),
    "",
  ].join("\n");
}
