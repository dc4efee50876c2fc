import * as http from "node:http";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { latencyHistogram, nowNs, percentileMs } from "./stats.js";

/** One closed-loop run: `concurrency` callers, each waiting for its reply before the next call. */
export interface LoadJob {
  concurrency: number;
  /** Stop after this many calls... */
  total: number;
  /** ...or after this long, whichever comes first. */
  maxMs: number;
  target:
    | { kind: "grpc"; address: string; path: string; body: Buffer; bearer?: string }
    | { kind: "http"; url: string; body: Buffer; headers: Record<string, string> };
}

/** What one run measured (latencies in milliseconds). */
export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  firstError?: string;
}

type Call = () => Promise<void>;

const identity = (b: Buffer): Buffer => b;

function grpcCaller(t: Extract<LoadJob["target"], { kind: "grpc" }>, clients: Map<string, grpc.Client>): Call {
  let client = clients.get(t.address);
  if (!client) {
    client = new grpc.Client(t.address, grpc.credentials.createInsecure());
    clients.set(t.address, client);
  }
  const c = client;
  // Requests are pre-encoded and replies left undecoded, so the client spends its CPU on transport only.
  return () =>
    new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      if (t.bearer) md.set("authorization", `Bearer ${t.bearer}`);
      c.makeUnaryRequest(t.path, identity, identity, t.body, md, {}, (err) => (err ? reject(err) : resolve()));
    });
}

function httpCaller(t: Extract<LoadJob["target"], { kind: "http" }>, agents: Map<number, http.Agent>, concurrency: number): Call {
  let agent = agents.get(concurrency);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    agents.set(concurrency, agent);
  }
  const a = agent;
  const headers = { ...t.headers, "Content-Length": String(t.body.length) };
  return () =>
    new Promise((resolve, reject) => {
      const req = http.request(t.url, { method: "POST", agent: a, headers }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on("error", reject);
      req.end(t.body);
    });
}

/** Runs one closed-loop job and returns its throughput and latency percentiles. */
export async function runLoad(job: Pick<LoadJob, "concurrency" | "total" | "maxMs">, call: () => Promise<unknown>): Promise<LoadResult> {
  const h = latencyHistogram();
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const t0 = nowNs();
  const deadline = t0 + job.maxMs * 1e6;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (sent < job.total && nowNs() < deadline) {
        sent++;
        const s = nowNs();
        try {
          await call();
          ok++;
        } catch (err) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
        h.record(Math.max(1, Math.round(nowNs() - s)));
      }
    }),
  );
  const seconds = (nowNs() - t0) / 1e9;
  return { ok, failed, seconds, rps: ok / seconds, p50: percentileMs(h, 50), p99: percentileMs(h, 99), ...(firstError && { firstError }) };
}

// Entry point when forked: jobs arrive by IPC, results go back the same way.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const clients = new Map<string, grpc.Client>();
  const agents = new Map<number, http.Agent>();
  process.on("message", (msg: { job?: LoadJob; exit?: true }) => {
    if (msg.exit) {
      for (const c of clients.values()) c.close();
      for (const a of agents.values()) a.destroy();
      process.disconnect();
      return;
    }
    const job = msg.job!;
    const t = job.target;
    // Advanced IPC serialization delivers Buffers as plain Uint8Arrays.
    t.body = Buffer.from(t.body);
    const call = t.kind === "grpc" ? grpcCaller(t, clients) : httpCaller(t, agents, job.concurrency);
    runLoad(job, call).then(
      (r) => process.send!({ result: r }),
      (err: unknown) => process.send!({ error: String(err) }),
    );
  });
}
