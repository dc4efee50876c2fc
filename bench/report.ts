import type { LoadRow } from "./grpc-load.js";
import type { OperationResult } from "./in-process.js";
import type { ParticipantResult } from "./participants.js";
import type { RedisBenchResult } from "./redis.js";
import { fmtMs, fmtPct, fmtRate, fmtRatio, mdTable, verdict } from "./stats.js";

/** Everything one `npm run bench` measured, plus how and where. */
export interface BenchReport {
  command: string;
  machine: string;
  startedAt: string;
  quick: boolean;
  inProcess: OperationResult[];
  grpc: LoadRow[];
  twirp: LoadRow[];
  participants: ParticipantResult | { unavailable: string };
  redis: RedisBenchResult | { unavailable: string };
}

/** Target thresholds from issue 4. */
export const TARGETS = { vsSdk: 4, vsFloor: 0.5, vsHealth: 0.8, pushP99Ms: 20, rssMb: 300, redisPushP99Ms: 20, revokeP99Ms: 50 } as const;

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

function loadSection(rows: LoadRow[], baseline: string, target?: number): string {
  return mdTable(
    ["call", "in flight", "calls/s (median)", "p50 ms", "p99 ms", `÷ ${baseline}`, "server CPU µs/call", ...(target ? [`≥ ${fmtPct(target)} at 64`] : [])],
    rows.map((r) => [
      r.name, String(r.concurrency), fmtRate(r.rps), fmtMs(r.p50), fmtMs(r.p99), fmtPct(r.vsBaseline), r.serverCpuUs.toFixed(0),
      ...(target ? [r.name === baseline || r.concurrency !== 64 ? "" : verdict(r.vsBaseline >= target)] : []),
    ]),
  );
}

function participantSection(p: BenchReport["participants"]): string {
  if ("unavailable" in p) return `Not available: ${p.unavailable}`;
  return mdTable(["measure", "value", "target"], [
    [`UpdateParticipant, ${p.update.concurrency} in flight`, `${fmtRate(p.update.rps)} calls/s, p50 ${fmtMs(p.update.p50)} ms, p99 ${fmtMs(p.update.p99)} ms`, ""],
    [`UpdateParticipant → pushed token, ${p.push.watched} watched, ${p.push.updates} updates`, `p50 ${fmtMs(p.push.p50)} ms, p99 ${fmtMs(p.push.p99)} ms`,
      `p99 ≤ ${TARGETS.pushP99Ms} ms: ${verdict(p.push.p99 <= TARGETS.pushP99Ms)}`],
    [`resident memory, ${p.memory.registered.toLocaleString("en-US")} registered`, `${p.memory.rssMb.toFixed(0)} MB (empty server: ${p.memory.rssEmptyMb.toFixed(0)} MB)`,
      `≤ ${TARGETS.rssMb} MB: ${verdict(p.memory.rssMb <= TARGETS.rssMb)}`],
  ]);
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
    mdTable(["VerifyToken (gRPC)", "in flight", "calls/s (median)", "÷ SQLite mode", "server CPU µs/call"],
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
    "### gRPC, closed loop (client in a separate process)",
    "",
    loadSection(r.grpc, "Health/Check", TARGETS.vsHealth),
    "",
    "### Twirp JSON over HTTP/1.1 (keep-alive, client in a separate process)",
    "",
    loadSection(r.twirp, "bare node:http JSON"),
    "",
    "### Participant plane (embedded SQLite store)",
    "",
    participantSection(r.participants),
    "",
    "### Several instances on one Redis (two server processes; Redis started by the bench, appendonly yes, appendfsync always)",
    "",
    redisSection(r.redis),
    "",
  ].join("\n");
}
