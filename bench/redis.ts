import { createRoomgateClient, type RoomgateClient } from "../src/client/client.js";
import type { RoomgateError } from "../src/client/errors.js";
import type { StreamCall } from "../src/client/transport.js";
import { createHmacKey } from "../src/core/hmac-key.js";
import { mintToken } from "../src/core/minting.js";
import { EventCause, type WatchParticipantResponse } from "../gen/roomgate/v1/participant_service_pb.js";
import { startTestRedis } from "../test/support/redis-server.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_API_KEY, BENCH_ROOM, BENCH_SECRET, benchBodies } from "./fixture.js";
import { grpcFrame } from "../test/support/raw-watch.js";
import { H2LOAD_MISSING, h2loadAvailable, runH2load } from "./h2load.js";
import { runLoad, type LoadResult } from "./load-client.js";
import { startServerProcess } from "./server-process.js";
import { latencyHistogram, median, nowNs, percentileMs } from "./stats.js";

/** Sizes of the VerifyToken comparison: h2load at `inFlight`, `rounds` interleaved rounds of `requests` each. */
export interface VerifyOptions {
  inFlight: number;
  rounds: number;
  requests: number;
}

/** VerifyToken on one server mode, medians over the rounds. */
export interface VerifyRow {
  name: string;
  concurrency: number;
  rps: number;
  /** Median over rounds of rps ÷ the SQLite-mode server's rps in the same round. */
  vsBaseline: number;
  serverCpuUs: number;
}

/** Sizes of the several-instances benchmark. */
export interface RedisBenchOptions {
  /** Participants watched on instance B while instance A updates them. */
  watched: number;
  /** Updates timed from A's request to B's pushed token. */
  updates: number;
  /** Revocations timed from A's acknowledgement to B's first refusal. */
  revocations: number;
  /** UpdateParticipant throughput run, against Redis and against SQLite. */
  throughput: { concurrency: number; total: number; maxMs: number };
  /** VerifyToken load against an SQLite-mode and a Redis-mode server (server CPU per call). */
  verify: VerifyOptions;
}

/** What the several-instances benchmark measured. */
export interface RedisBenchResult {
  push: { p50: number; p99: number; watched: number; updates: number };
  revocation: { p50: number; p99: number; count: number };
  update: { redis: LoadResult; sqlite: LoadResult; concurrency: number };
  verify: VerifyRow[] | { unavailable: string };
}

const tokenFor = (grants: Parameters<typeof mintToken>[1]["grants"], iatOffset = 0): string =>
  mintToken(createHmacKey(BENCH_API_KEY, BENCH_SECRET), { grants, ttlSeconds: 6 * 3600 }, Math.floor(Date.now() / 1000) + iatOffset).token;
const identityOf = (i: number): string => `p${i}`;
// No retries: a failed call must show in the figures, not be hidden by a second attempt.
const clientFor = (port: number): RoomgateClient => createRoomgateClient({ address: `127.0.0.1:${port}`, retry: false });

async function inParallel(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await fn(next++);
  }));
}

/**
 * Two roomgate processes on one Redis (appendonly yes, appendfsync always) that the bench
 * starts itself: update on A → pushed token on B, revocation on A → refused on B,
 * UpdateParticipant throughput on Redis against SQLite, VerifyToken with Redis mode on and off.
 */
export async function runRedisBench(opts: RedisBenchOptions): Promise<RedisBenchResult> {
  const redis = await startTestRedis();
  const a = await startServerProcess({ redisUrl: redis.url });
  const b = await startServerProcess({ redisUrl: redis.url });
  const ca = clientFor(a.grpcPort);
  const cb = clientFor(b.grpcPort);
  const admin = { token: tokenFor({ identity: "bench-admin", video: { roomAdmin: true, room: BENCH_ROOM } }) };
  const streams: StreamCall<WatchParticipantResponse>[] = [];
  try {
    await inParallel(opts.watched, 32, (i) =>
      ca.participants.joinRoom({ token: tokenFor({ identity: identityOf(i), video: { roomJoin: true, room: BENCH_ROOM } }) }));
    const waiting = new Map<string, { version: bigint; resolve: () => void }>();
    // The push may arrive before the update's reply: the newest pushed version per participant.
    const pushedVersion = new Map<string, bigint>();
    const ready: Promise<void>[] = [];
    for (let i = 0; i < opts.watched; i++) {
      const identity = identityOf(i);
      const s = cb.participants.watchParticipant({ room: BENCH_ROOM, identity }, admin);
      // Ready at the first event; a failure after that is the cancel below, or shows as a missing push.
      ready.push(new Promise((resolve, reject) => {
        void (async () => {
          for await (const e of s) {
            resolve();
            if (e.cause !== EventCause.UPDATED || !e.token) continue;
            const version = e.participant?.version ?? 0n;
            pushedVersion.set(identity, version);
            const w = waiting.get(identity);
            if (w && version >= w.version) w.resolve();
          }
        })().catch(reject);
      }));
      streams.push(s);
    }
    await Promise.all(ready);

    const push = latencyHistogram();
    for (let s = 0; s < opts.updates; s++) {
      const identity = identityOf(s % opts.watched);
      let resolvePushed!: () => void;
      const pushed = new Promise<void>((r) => (resolvePushed = r));
      const t0 = nowNs();
      const res = await ca.participants.updateParticipant({ room: BENCH_ROOM, identity, metadata: `m${s}` }, admin);
      const version = res.participant!.version;
      if ((pushedVersion.get(identity) ?? 0n) >= version) resolvePushed();
      else waiting.set(identity, { version, resolve: resolvePushed });
      await pushed;
      push.record(Math.max(1, Math.round(nowNs() - t0)));
      waiting.delete(identity);
    }
    for (const s of streams.splice(0)) s.cancel();

    const revocation = latencyHistogram();
    for (let i = 0; i < opts.revocations; i++) {
      const identity = `revoked-${i}`;
      const token = tokenFor({ identity, video: { roomJoin: true, room: BENCH_ROOM } }, -2);
      await ca.participants.joinRoom({ token });
      await cb.tokens.verifyToken({ token });
      await ca.participants.removeParticipant({ room: BENCH_ROOM, identity, revokeTokens: true }, admin);
      const t0 = nowNs();
      for (;;) {
        try {
          await cb.tokens.verifyToken({ token });
        } catch (err) {
          if ((err as Partial<RoomgateError>).reason !== "token_revoked") throw err;
          break;
        }
      }
      revocation.record(Math.max(1, Math.round(nowNs() - t0)));
    }

    const sqlite = await startServerProcess();
    const cs = clientFor(sqlite.grpcPort);
    try {
      await inParallel(opts.throughput.concurrency, 8, (i) =>
        cs.participants.joinRoom({ token: tokenFor({ identity: identityOf(i), video: { roomJoin: true, room: BENCH_ROOM } }) }));
      const load = (c: RoomgateClient) => {
        let n = 0;
        return runLoad(opts.throughput, () => {
          const s = n++;
          return c.participants.updateParticipant({ room: BENCH_ROOM, identity: identityOf(s % opts.throughput.concurrency), metadata: `t${s}` }, admin);
        });
      };
      const onRedis = await load(ca);
      const onSqlite = await load(cs);
      for (const r of [onRedis, onSqlite]) if (r.failed > 0) throw new Error(`UpdateParticipant failed under load: ${r.firstError}`);
      return {
        push: { p50: percentileMs(push, 50), p99: percentileMs(push, 99), watched: opts.watched, updates: opts.updates },
        revocation: { p50: percentileMs(revocation, 50), p99: percentileMs(revocation, 99), count: opts.revocations },
        update: { redis: onRedis, sqlite: onSqlite, concurrency: opts.throughput.concurrency },
        verify: await compareVerify(redis.url, opts.verify),
      };
    } finally {
      cs.close();
      await sqlite.close();
    }
  } finally {
    for (const s of streams) s.cancel();
    for (const c of [ca, cb]) c.close();
    await a.close();
    await b.close();
    await redis.stop();
  }
}

// Two server processes, SQLite mode and Redis mode, each loaded by h2load in turn (order rotated each round),
// with server CPU per call from each process's own account: the hot path must stay in memory in both.
async function compareVerify(redisUrl: string, opts: VerifyOptions): Promise<VerifyRow[] | { unavailable: string }> {
  if (!h2loadAvailable()) return { unavailable: H2LOAD_MISSING };
  const modes = [
    { name: "VerifyToken, SQLite mode", srv: await startServerProcess() },
    { name: "VerifyToken, Redis mode", srv: await startServerProcess({ redisUrl }) },
  ];
  const dir = mkdtempSync(join(tmpdir(), "roomgate-redis-bench-"));
  try {
    const token = tokenFor({ identity: "alice", video: { roomJoin: true, room: BENCH_ROOM } });
    const bin = benchBodies(token).verifyBin;
    const file = join(dir, "verify.bin");
    writeFileSync(file, grpcFrame(bin));
    const targets = modes.map((m) => {
      const url = `http://127.0.0.1:${m.srv.grpcPort}/roomgate.v1.TokenService/VerifyToken`;
      return { name: m.name, url, body: grpcFrame(bin), headers: { "content-type": "application/grpc", te: "trailers" } };
    });
    // The same call once through a real client on each: h2load sees HTTP statuses, not grpc-status.
    for (const m of modes) {
      const c = clientFor(m.srv.grpcPort);
      try {
        const v = await c.tokens.verifyToken({ token });
        if (v.claims?.identity !== "alice") throw new Error(`${m.name}: the probe returned the wrong identity`);
      } finally {
        c.close();
      }
    }
    for (const t of targets) await runH2load(t, file, Math.min(opts.requests, 2000), { inFlight: opts.inFlight, h1: false });
    const rps = modes.map(() => [] as number[]);
    const cpu = modes.map(() => [] as number[]);
    const ratios: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const got: number[] = [];
      for (const i of order) {
        const before = await modes[i]!.srv.cpuUs();
        const run = await runH2load(targets[i]!, file, opts.requests, { inFlight: opts.inFlight, h1: false });
        const after = await modes[i]!.srv.cpuUs();
        rps[i]!.push(run.rps);
        cpu[i]!.push((after - before) / opts.requests);
        got[i] = run.rps;
      }
      ratios.push(got[1]! / got[0]!);
    }
    return modes.map((m, i) => ({
      name: m.name, concurrency: opts.inFlight, rps: median(rps[i]!), vsBaseline: i === 0 ? 1 : median(ratios), serverCpuUs: median(cpu[i]!),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    for (const m of modes) await m.srv.close();
  }
}
