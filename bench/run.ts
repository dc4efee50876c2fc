import { readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { runGrpcLoad, type LoadOptions } from "./grpc-load.js";
import { runInProcess } from "./in-process.js";
import { runMetricsOverhead, type OverheadOptions } from "./metrics-overhead.js";
import { runParticipants, type ParticipantOptions } from "./participants.js";
import { runRedisBench, type RedisBenchOptions } from "./redis.js";
import { metricsSection, renderReport, type BenchReport } from "./report.js";
import { runStalledWatch, type StalledOptions } from "./stalled-watch.js";
import { runTwirpLoad } from "./twirp-load.js";
import { hasRedisServer } from "../test/support/redis-server.js";

// Markers in BENCHMARKS.md between which the measured tables are replaced on each full run.
const BEGIN = "<!-- bench:begin -->";
const END = "<!-- bench:end -->";

const FULL = {
  inProcess: { rounds: 7, msPerRound: 500 },
  load: { inFlight: [64], rounds: 5, requests: 20_000, warmup: 3000 } satisfies LoadOptions,
  participants: {
    // One update in flight: the latency of the push itself; the throughput run shows latency under load.
    watched: 1000, updates: 1000, updateConcurrency: 1,
    throughput: { concurrency: 16, total: 20_000, maxMs: 5000 }, registered: 100_000,
  } satisfies ParticipantOptions,
  // Issue 7's repro: 300 never-reading streams on a participant with 400 KB of metadata.
  stalled: { streams: 300, metadataBytes: 400_000, streamsPerConnection: 100, batch: 10 } satisfies StalledOptions,
  metrics: { concurrencies: [64], rounds: 9, callsPerRun: 20_000 } satisfies OverheadOptions,
  redis: {
    watched: 1000, updates: 1000, revocations: 300,
    throughput: { concurrency: 16, total: 20_000, maxMs: 5000 },
    verify: { inFlight: 64, rounds: 5, requests: 20_000 },
  } satisfies RedisBenchOptions as RedisBenchOptions,
};

// Tiny counts: every code path runs, so CI catches a bench that no longer works; no figure means anything.
const QUICK: typeof FULL = {
  inProcess: { rounds: 1, msPerRound: 20 },
  load: { inFlight: [64], rounds: 1, requests: 200, warmup: 64 },
  participants: { watched: 10, updates: 10, updateConcurrency: 1, throughput: { concurrency: 2, total: 20, maxMs: 2000 }, registered: 50 },
  stalled: { streams: 10, metadataBytes: 400_000, streamsPerConnection: 5, batch: 2 },
  metrics: { concurrencies: [4], rounds: 2, callsPerRun: 40 },
  redis: {
    watched: 10, updates: 10, revocations: 3, throughput: { concurrency: 2, total: 20, maxMs: 2000 },
    verify: { inFlight: 4, rounds: 1, requests: 200 },
  },
};

function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, `
    + `${os.type()} ${os.release()}, Node ${process.version}, load average at start ${load}`;
}

const step = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);

async function participantsOrReason(opts: ParticipantOptions): Promise<BenchReport["participants"]> {
  try {
    return await runParticipants(opts);
  } catch (err) {
    // Unimplemented RPCs mean the participant plane is not wired into this build; anything else is a real failure.
    if ((err as { code?: number }).code === 12) return { unavailable: "ParticipantService is not registered in src/server.ts" };
    throw err;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const outIdx = args.indexOf("--out");
  // Quick runs and --no-write (CI) only print; a full run updates BENCHMARKS.md unless --out names another file.
  const out = args.includes("--no-write") ? undefined : outIdx >= 0 ? args[outIdx + 1] : quick ? undefined : "BENCHMARKS.md";
  const sizes = quick ? QUICK : FULL;
  // `--only metrics` runs the metrics-overhead comparison alone and prints its table (nothing is written).
  if (args[args.indexOf("--only") + 1] === "metrics" && args.includes("--only")) {
    step("metrics overhead (VerifyToken, metrics on vs off)");
    process.stdout.write(`Machine: ${machine()}.\n\n${metricsSection(await runMetricsOverhead(sizes.metrics))}\n`);
    return;
  }
  const report: BenchReport = {
    command: `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`,
    machine: machine(),
    startedAt: new Date().toISOString(),
    quick,
    inProcess: [],
    grpc: { unavailable: "not run" },
    twirp: { unavailable: "not run" },
    participants: { unavailable: "not run" },
    stalled: { unavailable: "not run" },
    redis: { unavailable: "not run" },
  };
  step("in-process sign and verify");
  report.inProcess = await runInProcess(sizes.inProcess);
  step("gRPC load (h2load)");
  report.grpc = await runGrpcLoad(sizes.load);
  step("Twirp load (h2load --h1)");
  report.twirp = await runTwirpLoad(sizes.load);
  for (const s of [report.grpc, report.twirp]) if ("unavailable" in s) step(`skipped: ${s.unavailable}`);
  step("participant plane");
  report.participants = await participantsOrReason(sizes.participants);
  step("stalled watch streams");
  report.stalled = await runStalledWatch(sizes.stalled);
  step("metrics overhead");
  report.metricsOverhead = await runMetricsOverhead(sizes.metrics);
  step("several instances on Redis");
  report.redis = hasRedisServer ? await runRedisBench(sizes.redis) : { unavailable: "redis-server is not installed" };
  const tables = renderReport(report);
  process.stdout.write(`${tables}\n`);
  if (!out) return;
  let doc = "";
  try {
    doc = readFileSync(out, "utf8");
  } catch {
    doc = `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  }
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${out} has no ${BEGIN} … ${END} block to replace`);
  writeFileSync(out, `${doc.slice(0, a + BEGIN.length)}\n${tables}\n${doc.slice(b)}`);
  step(`tables written to ${out}`);
}

await main();
