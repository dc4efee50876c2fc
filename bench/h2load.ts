import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerProcess } from "./server-process.js";
import { median } from "./stats.js";

/** What to say when h2load is missing. */
export const H2LOAD_MISSING = "h2load not found; install it with `apt-get install nghttp2-client`";

/** Whether the h2load binary (Debian package nghttp2-client) can be run. */
export function h2loadAvailable(): boolean {
  const r = spawnSync("h2load", ["--version"], { encoding: "utf8" });
  return r.status === 0 && /nghttp2/.test(r.stdout);
}

/** One request h2load repeats: a URL, the exact body bytes, headers. */
export interface H2Target {
  name: string;
  url: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** Sizes of one comparison. */
export interface H2Options {
  /** Requests in flight (HTTP/2: connections × streams; HTTP/1.1: connections). */
  inFlight: number;
  rounds: number;
  /** Requests per measured run. */
  requests: number;
  /** Requests per warm-up run (one per target before the rounds). */
  warmup: number;
  /** HTTP/1.1 instead of HTTP/2. */
  h1: boolean;
}

/** What h2load reported for one run. */
export interface H2Run {
  seconds: number;
  rps: number;
  succeeded: number;
  failed: number;
  status2xx: number;
  meanMs: number;
}

/** Medians over the rounds for one target. */
export interface H2Row {
  name: string;
  inFlight: number;
  rps: number;
  meanMs: number;
  /** Median over rounds of rps ÷ the baseline's rps in the same round. */
  vsBaseline: number;
  /** Median server CPU per call, in microseconds (from the server process's own CPU time). */
  serverCpuUs: number;
  /** Median over rounds of CPU per call ÷ the baseline's. */
  cpuVsBaseline: number;
  requests: number;
}

const num = (re: RegExp, text: string): number => {
  const m = re.exec(text);
  if (!m) throw new Error(`h2load output lacks ${re}:\n${text}`);
  return Number(m[1]);
};

// h2load prints durations in s, ms or us.
const toMs = (v: string, unit: string): number => (unit === "us" ? Number(v) / 1000 : unit === "s" ? Number(v) * 1000 : Number(v));

function meanMs(text: string): number {
  const m = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\b/.exec(text);
  return m ? toMs(m[1]!, m[2]!) : Number.NaN;
}

function finishedSeconds(text: string): number {
  const m = /finished in ([\d.]+)(us|ms|s),/.exec(text);
  if (!m) throw new Error(`h2load output lacks its "finished in" line:\n${text}`);
  return toMs(m[1]!, m[2]!) / 1000;
}

/** Parses h2load's summary. */
export function parseH2load(text: string): H2Run {
  return {
    seconds: finishedSeconds(text),
    rps: num(/, ([\d.]+) req\/s/, text),
    succeeded: num(/(\d+) succeeded/, text),
    failed: num(/(\d+) failed/, text) + num(/(\d+) errored/, text) + num(/(\d+) timeout/, text),
    status2xx: num(/status codes: (\d+) 2xx/, text),
    meanMs: meanMs(text),
  };
}

/** Runs h2load once against a target; resolves with its parsed summary. */
export function runH2load(t: H2Target, bodyFile: string, requests: number, opts: Pick<H2Options, "inFlight" | "h1">): Promise<H2Run> {
  const clients = opts.h1 ? opts.inFlight : Math.min(4, opts.inFlight);
  const streams = opts.h1 ? 1 : Math.max(1, Math.floor(opts.inFlight / clients));
  const args = ["-n", String(requests), "-c", String(clients), "-m", String(streams), "-t", "1", "-d", bodyFile];
  if (opts.h1) args.push("--h1");
  for (const [k, v] of Object.entries(t.headers)) args.push("-H", `${k}: ${v}`);
  args.push(t.url);
  return new Promise((resolve, reject) => {
    const child = spawn("h2load", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
    const timer = setTimeout(() => child.kill(), 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`h2load exited ${code}: ${out}`));
      try {
        const run = parseH2load(out);
        // Every request must have succeeded (for gRPC, HTTP 2xx; the grpc-status was checked before the runs).
        if (run.failed > 0 || run.status2xx !== requests) return reject(new Error(`${t.name}: h2load counted ${run.status2xx} of ${requests} 2xx, ${run.failed} failed`));
        resolve(run);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

/**
 * Runs every target in interleaved, rotated rounds against one server
 * process and reports medians; the first target is the baseline. Server CPU
 * per call comes from the server process's own CPU time around each run.
 */
export async function compareWithH2load(server: ServerProcess, targets: readonly H2Target[], opts: H2Options): Promise<H2Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-h2load-"));
  try {
    const files = targets.map((t, i) => {
      const file = join(dir, `body-${i}.bin`);
      writeFileSync(file, t.body);
      return file;
    });
    for (let i = 0; i < targets.length; i++) await runH2load(targets[i]!, files[i]!, opts.warmup, opts);
    const runs = targets.map(() => [] as (H2Run & { cpuUs: number })[]);
    const ratios = targets.map(() => [] as number[]);
    const cpuRatios = targets.map(() => [] as number[]);
    for (let r = 0; r < opts.rounds; r++) {
      const round: (H2Run & { cpuUs: number })[] = [];
      for (let k = 0; k < targets.length; k++) {
        const i = (k + r) % targets.length;
        const cpu0 = await server.cpuUs();
        const run = await runH2load(targets[i]!, files[i]!, opts.requests, opts);
        const cpu1 = await server.cpuUs();
        round[i] = { ...run, cpuUs: (cpu1 - cpu0) / run.succeeded };
      }
      for (let i = 0; i < targets.length; i++) {
        runs[i]!.push(round[i]!);
        ratios[i]!.push(round[i]!.rps / round[0]!.rps);
        cpuRatios[i]!.push(round[i]!.cpuUs / round[0]!.cpuUs);
      }
    }
    return targets.map((t, i) => ({
      name: t.name,
      inFlight: opts.inFlight,
      rps: median(runs[i]!.map((x) => x.rps)),
      meanMs: median(runs[i]!.map((x) => x.meanMs)),
      vsBaseline: median(ratios[i]!),
      serverCpuUs: median(runs[i]!.map((x) => x.cpuUs)),
      cpuVsBaseline: median(cpuRatios[i]!),
      requests: opts.requests,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
