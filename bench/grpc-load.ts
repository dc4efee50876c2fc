import { create, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { bearerMetadata, callUnary, grpcClientFor } from "../src/transport/grpc-adapter.js";
import { HealthCheckRequestSchema } from "../gen/health/v1/health_pb.js";
import { TokenService } from "../gen/roomgate/v1/token_service_pb.js";
import { startClientProcess, type ClientProcess } from "./client-process.js";
import { BENCH_CLIENT_CREDENTIAL, benchBodies, benchCreateRequest, benchVerifyRequest, startBenchServer } from "./fixture.js";
import type { LoadJob, LoadResult } from "./load-client.js";
import { median } from "./stats.js";

/** Sizes of the gRPC load runs. */
export interface LoadOptions {
  concurrencies: readonly number[];
  rounds: number;
  /** Upper bound on calls per run. */
  callsPerRun: number;
  /** Upper bound on the duration of a run. */
  maxMsPerRun: number;
}

/** Medians over rounds for one method at one concurrency. */
export interface LoadRow {
  name: string;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  /** Median over rounds of this method's throughput ÷ the baseline's, measured back to back. */
  vsBaseline: number;
  /** Median CPU time the server process spent per call, in microseconds (immune to a slow client). */
  serverCpuUs: number;
  failed: number;
}

/** A named target for the load client. */
export interface NamedTarget {
  name: string;
  target: LoadJob["target"];
}

/**
 * Runs every target at every concurrency, rounds interleaved and rotated, and
 * reports medians; the first target is the baseline the others are divided by.
 */
export async function compareTargets(client: ClientProcess, targets: readonly NamedTarget[], opts: LoadOptions): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  for (const concurrency of opts.concurrencies) {
    const job = (t: NamedTarget, total = opts.callsPerRun): LoadJob => ({ concurrency, total, maxMs: opts.maxMsPerRun, target: t.target });
    for (const t of targets) await client.run(job(t, Math.min(opts.callsPerRun, 20 * concurrency + 200)));
    const runs = new Map<string, (LoadResult & { cpuUs: number })[]>(targets.map((t) => [t.name, []]));
    const ratios = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < opts.rounds; r++) {
      const round = new Map<string, LoadResult & { cpuUs: number }>();
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + r) % targets.length]!;
        // The server lives in this process and the client in another, so this process's CPU is the server's.
        const cpu0 = process.cpuUsage();
        const res = await client.run(job(t));
        const cpu = process.cpuUsage(cpu0);
        round.set(t.name, { ...res, cpuUs: (cpu.user + cpu.system) / Math.max(1, res.ok + res.failed) });
      }
      const base = round.get(targets[0]!.name)!.rps;
      for (const [name, res] of round) {
        runs.get(name)!.push(res);
        ratios.get(name)!.push(res.rps / base);
      }
    }
    for (const t of targets) {
      const rs = runs.get(t.name)!;
      const failed = rs.reduce((n, x) => n + x.failed, 0);
      if (failed > 0) throw new Error(`${t.name} at ${concurrency} in flight: ${failed} calls failed (${rs.find((x) => x.firstError)?.firstError})`);
      rows.push({
        name: t.name,
        concurrency,
        rps: median(rs.map((x) => x.rps)),
        p50: median(rs.map((x) => x.p50)),
        p99: median(rs.map((x) => x.p99)),
        vsBaseline: median(ratios.get(t.name)!),
        serverCpuUs: median(rs.map((x) => x.cpuUs)),
        failed,
      });
    }
  }
  return rows;
}

// One decoded call of each kind first, so the load figures are known to be successes.
async function mintProbeToken(address: string): Promise<string> {
  const client = new (grpcClientFor(TokenService))(address, grpc.credentials.createInsecure());
  try {
    const created = await callUnary(client, TokenService.method.createToken, benchCreateRequest(), bearerMetadata(BENCH_CLIENT_CREDENTIAL));
    const verified = await callUnary(client, TokenService.method.verifyToken, benchVerifyRequest(created.token));
    if (verified.claims?.identity !== "alice") throw new Error("VerifyToken probe returned the wrong identity");
    return created.token;
  } finally {
    client.close();
  }
}

/** CreateToken and VerifyToken (requiring roomJoin) against grpc.health.v1 Check on the same server. */
export async function runGrpcLoad(opts: LoadOptions): Promise<LoadRow[]> {
  const bench = await startBenchServer();
  const client = startClientProcess();
  try {
    const address = `127.0.0.1:${bench.server.grpcPort}`;
    const token = await mintProbeToken(address);
    const bodies = benchBodies(token);
    const health = Buffer.from(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "" })));
    return await compareTargets(client, [
      { name: "Health/Check", target: { kind: "grpc", address, path: "/grpc.health.v1.Health/Check", body: health } },
      { name: "CreateToken", target: { kind: "grpc", address, path: "/roomgate.v1.TokenService/CreateToken", body: bodies.createBin, bearer: BENCH_CLIENT_CREDENTIAL } },
      { name: "VerifyToken", target: { kind: "grpc", address, path: "/roomgate.v1.TokenService/VerifyToken", body: bodies.verifyBin } },
    ], opts);
  } finally {
    await client.close();
    await bench.close();
  }
}
