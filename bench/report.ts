import type { LoadSection } from "./grpc-load.js";
import type { OperationResult } from "./in-process.js";
import type { ParticipantResult } from "./participants.js";
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
}

/** Target thresholds (issues 4 and 10). */
export const TARGETS = { vsSdk: 4, vsFloor: 0.5, vsHealth: 0.67, vsHealthStretch: 0.8, vsBare: 0.7, pushP99Ms: 20, rssMb: 300 } as const;

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
  ].join("\n");
}
