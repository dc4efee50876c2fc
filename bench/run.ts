import { readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { runGrpcLoad, type LoadOptions } from "./grpc-load.js";
import { runInProcess } from "./in-process.js";
import { runParticipants, type ParticipantOptions } from "./participants.js";
import { runRedisBench, type RedisBenchOptions } from "./redis.js";
import { renderReport, type BenchReport } from "./report.js";
import { runTwirpLoad } from "./twirp-load.js";
import { hasRedisServer } from "../test/support/redis-server.js";

// Markers in BENCHMARKS.md between which the measured tables are replaced on each full run.
const BEGIN = "<!-- bench:begin -->";
const END = "<!-- bench:end -->";

const FULL = {
  inProcess: { rounds: 7, msPerRound: 500 },
  load: { concurrencies: [1, 16, 64], rounds: 5, callsPerRun: 50_000, maxMsPerRun: 2000 } satisfies LoadOptions,
  participants: {
    // One update in flight: the latency of the push itself; the throughput run shows latency under load.
    watched: 1000, updates: 1000, updateConcurrency: 1,
    throughput: { concurrency: 16, total: 20_000, maxMs: 5000 }, registered: 100_000,
  } satisfies ParticipantOptions,
  redis: {
    watched: 1000, updates: 1000, revocations: 300,
    throughput: { concurrency: 16, total: 20_000, maxMs: 5000 },
    verify: { concurrencies: [64], rounds: 5, callsPerRun: 50_000, maxMsPerRun: 2000 },
  } satisfies RedisBenchOptions as RedisBenchOptions,
};

// Tiny counts: every code path runs, so CI catches a bench that no longer works; no figure means anything.
const QUICK: typeof FULL = {
  inProcess: { rounds: 1, msPerRound: 20 },
  load: { concurrencies: [1, 4], rounds: 1, callsPerRun: 40, maxMsPerRun: 2000 },
  participants: { watched: 10, updates: 10, updateConcurrency: 1, throughput: { concurrency: 2, total: 20, maxMs: 2000 }, registered: 50 },
  redis: {
    watched: 10, updates: 10, revocations: 3, throughput: { concurrency: 2, total: 20, maxMs: 2000 },
    verify: { concurrencies: [4], rounds: 1, callsPerRun: 40, maxMsPerRun: 2000 },
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
  const report: BenchReport = {
    command: `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`,
    machine: machine(),
    startedAt: new Date().toISOString(),
    quick,
    inProcess: [],
    grpc: [],
    twirp: [],
    participants: { unavailable: "not run" },
    redis: { unavailable: "not run" },
  };
  step("in-process sign and verify");
  report.inProcess = await runInProcess(sizes.inProcess);
  step("gRPC load");
  report.grpc = await runGrpcLoad(sizes.load);
  step("Twirp load");
  report.twirp = await runTwirpLoad(sizes.load);
  step("participant plane");
  report.participants = await participantsOrReason(sizes.participants);
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
