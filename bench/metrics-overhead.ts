import { createRoomgateClient } from "../src/client/client.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_CLIENT_CREDENTIAL, benchBodies, benchCreateRequest } from "./fixture.js";
import { grpcFrame } from "../test/support/raw-watch.js";
import { H2LOAD_MISSING, h2loadAvailable, runH2load } from "./h2load.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { median } from "./stats.js";

/** One load run: `concurrency` requests in flight, `total` requests, against one gRPC method with one exact body. */
export interface LoadJob {
  concurrency: number;
  total: number;
  target: { address: string; path: string; body: Buffer };
}

/** What one load run measured. */
export interface LoadResult {
  ok: number;
  failed: number;
  rps: number;
  /** Mean request time, in milliseconds. */
  meanMs: number;
  firstError?: string;
}

/** Runs one load job and reports its throughput. */
interface LoadDriver {
  run(job: LoadJob): Promise<LoadResult>;
  close(): Promise<void>;
}

/** The native load generator (h2load, Debian's nghttp2-client) posting the exact gRPC frame; one per server. */
function h2loadDriver(): LoadDriver {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-metrics-bench-"));
  let files = 0;
  return {
    async run(job) {
      const file = join(dir, `body-${files++}.bin`);
      writeFileSync(file, grpcFrame(job.target.body));
      const target = {
        name: job.target.path, url: `http://${job.target.address}${job.target.path}`, body: job.target.body,
        headers: { "content-type": "application/grpc", te: "trailers" },
      };
      const run = await runH2load(target, file, job.total, { inFlight: job.concurrency, h1: false });
      return { ok: run.succeeded, failed: run.failed, rps: run.rps, meanMs: run.meanMs };
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sizes of the metrics-overhead comparison. */
export interface OverheadOptions {
  concurrencies: readonly number[];
  rounds: number;
  callsPerRun: number;
}

/** One server's medians at one concurrency. */
export interface OverheadSide {
  rps: number;
  /** Mean request time, in milliseconds (median over rounds). */
  meanMs: number;
  /** CPU the server process itself spent per call, in microseconds (median over rounds). */
  serverCpuUs: number;
  /** The lowest of the rounds: neighbours' load only ever adds time, so the best round is the least disturbed one. */
  bestCpuUs: number;
}

/** VerifyToken with metrics on against `metrics: false`, at one concurrency. */
export interface OverheadRow {
  concurrency: number;
  on: OverheadSide;
  off: OverheadSide;
  /** Median over rounds of on ÷ off throughput, measured back to back. */
  rpsRatio: number;
  /** Median over rounds of on ÷ off server CPU per call. */
  cpuRatio: number;
  /** Best round on ÷ best round off, server CPU per call. */
  bestCpuRatio: number;
}

/** The bar: VerifyToken throughput with metrics on within 5 % of metrics off. */
export const METRICS_OVERHEAD_TARGET = 0.95;

async function mintToken(port: number): Promise<string> {
  const client = createRoomgateClient({ address: `127.0.0.1:${port}`, credential: BENCH_CLIENT_CREDENTIAL, retry: false });
  try {
    return (await client.tokens.createToken(benchCreateRequest())).token;
  } finally {
    client.close();
  }
}

async function measured(driver: LoadDriver, srv: ServerProcess, job: LoadJob): Promise<LoadResult & { cpuUs: number }> {
  const cpu0 = await srv.cpuUs();
  const res = await driver.run(job);
  const cpu1 = await srv.cpuUs();
  if (res.failed > 0) throw new Error(`VerifyToken load: ${res.failed} calls failed (${res.firstError})`);
  return { ...res, cpuUs: (cpu1 - cpu0) / Math.max(1, res.ok) };
}

/**
 * Two server processes with the same keys, one with metrics and one with
 * `metrics: false`, each driven by its own load driver at the same time, so
 * both see the same neighbours' load in every round (on a shared machine,
 * runs one after the other scatter more than the effect being measured).
 * Every figure is a median over rounds, or the best round.
 */
export async function runMetricsOverhead(opts: OverheadOptions): Promise<OverheadRow[] | { unavailable: string }> {
  if (!h2loadAvailable()) return { unavailable: H2LOAD_MISSING };
  const servers = { on: await startServerProcess({ metrics: true }), off: await startServerProcess({ metrics: false }) };
  const drivers = { on: h2loadDriver(), off: h2loadDriver() };
  try {
    const token = await mintToken(servers.off.grpcPort);
    const body = benchBodies(token).verifyBin;
    const target = (srv: ServerProcess): LoadJob["target"] =>
      ({ address: `127.0.0.1:${srv.grpcPort}`, path: "/roomgate.v1.TokenService/VerifyToken", body });
    const rows: OverheadRow[] = [];
    for (const concurrency of opts.concurrencies) {
      const job = (srv: ServerProcess, total = opts.callsPerRun): LoadJob => ({ concurrency, total, target: target(srv) });
      const both = (total?: number) => Promise.all([
        measured(drivers.on, servers.on, job(servers.on, total)),
        measured(drivers.off, servers.off, job(servers.off, total)),
      ]);
      // Warm both servers (JIT, connections) before anything counts.
      await both(Math.min(opts.callsPerRun, 20 * concurrency + 200));
      const runs = { on: [] as (LoadResult & { cpuUs: number })[], off: [] as (LoadResult & { cpuUs: number })[] };
      const rpsRatios: number[] = [];
      const cpuRatios: number[] = [];
      for (let r = 0; r < opts.rounds; r++) {
        const [on, off] = await both();
        runs.on.push(on);
        runs.off.push(off);
        rpsRatios.push(on.rps / off.rps);
        cpuRatios.push(on.cpuUs / off.cpuUs);
      }
      const side = (rs: (LoadResult & { cpuUs: number })[]): OverheadSide =>
        ({ rps: median(rs.map((x) => x.rps)), meanMs: median(rs.map((x) => x.meanMs)), serverCpuUs: median(rs.map((x) => x.cpuUs)), bestCpuUs: Math.min(...rs.map((x) => x.cpuUs)) });
      const on = side(runs.on);
      const off = side(runs.off);
      rows.push({ concurrency, on, off, rpsRatio: median(rpsRatios), cpuRatio: median(cpuRatios), bestCpuRatio: on.bestCpuUs / off.bestCpuUs });
    }
    return rows;
  } finally {
    await Promise.all([drivers.on.close(), drivers.off.close()]);
    await Promise.all([servers.on.close(), servers.off.close()]);
  }
}
