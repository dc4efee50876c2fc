import { create } from "@bufbuild/protobuf";
import { createRoomgateClient, type RoomgateClient } from "../src/client/client.js";
import type { StreamCall } from "../src/client/transport.js";
import { createHmacKey } from "../src/core/hmac-key.js";
import { mintToken } from "../src/core/minting.js";
import { EventCause, UpdateParticipantRequestSchema, type WatchParticipantResponse } from "../gen/roomgate/v1/participant_service_pb.js";
import { BENCH_API_KEY, BENCH_ROOM, BENCH_SECRET } from "./fixture.js";
import { runLoad } from "./load-client.js";
import { startServerProcess } from "./server-process.js";
import { latencyHistogram, nowNs, percentileMs } from "./stats.js";

/** Sizes of the participant-plane benchmark. */
export interface ParticipantOptions {
  /** Participants with an open WatchParticipant stream during the latency run. */
  watched: number;
  /** Updates timed from request to pushed token. */
  updates: number;
  /** Updates in flight during the latency run. */
  updateConcurrency: number;
  /** Bounds of the UpdateParticipant throughput run. */
  throughput: { concurrency: number; total: number; maxMs: number };
  /** Participants registered when resident memory is read. */
  registered: number;
}

/** What the participant plane measured. */
export interface ParticipantResult {
  /**
   * UpdateParticipant under load with every watch open: acknowledged updates per store COMMIT (one
   * fsync each) and the server process's CPU time per update.
   */
  update: { rps: number; p50: number; p99: number; concurrency: number; watchers: number; perFlush: number; cpuUsPerUpdate: number };
  push: { p50: number; p99: number; watched: number; updates: number };
  memory: { registered: number; rssEmptyMb: number; rssMb: number };
}

type Client = RoomgateClient;
const MB = 1024 * 1024;

function tokenFor(grants: Parameters<typeof mintToken>[1]["grants"]): string {
  return mintToken(createHmacKey(BENCH_API_KEY, BENCH_SECRET), { grants, ttlSeconds: 6 * 3600 }, Math.floor(Date.now() / 1000)).token;
}

const identityOf = (i: number): string => `p${i}`;

async function joinRange(client: Client, from: number, to: number, concurrency = 32): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < to) {
      const i = next++;
      const token = tokenFor({ identity: identityOf(i), video: { roomJoin: true, room: BENCH_ROOM } });
      await client.participants.joinRoom({ token });
    }
  }));
}

/** Opens one watch per participant; `onUpdated(identity)` fires for every pushed token caused by an update. */
async function openWatchers(client: Client, count: number, admin: string, onUpdated: (identity: string) => void): Promise<StreamCall<WatchParticipantResponse>[]> {
  const streams: StreamCall<WatchParticipantResponse>[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const identity = identityOf(i);
    const s = client.participants.watchParticipant({ room: BENCH_ROOM, identity }, { token: admin });
    // The first event is the fresh token every watch starts with; after it the watch is live.
    // A failure after that is the run's own cancel at the end, or shows as a missing push.
    ready.push(new Promise((resolve, reject) => {
      void (async () => {
        for await (const e of s) {
          resolve();
          if (e.cause === EventCause.UPDATED && e.token) onUpdated(identity);
        }
      })().catch(reject);
    }));
    streams.push(s);
  }
  await Promise.all(ready);
  return streams;
}

function updateRequest(i: number, seq: number): ReturnType<typeof create<typeof UpdateParticipantRequestSchema>> {
  return create(UpdateParticipantRequestSchema, { room: BENCH_ROOM, identity: identityOf(i), metadata: `m${seq}` });
}

/** UpdateParticipant throughput, update-to-pushed-token latency with many watchers, and resident memory at scale. */
export async function runParticipants(opts: ParticipantOptions): Promise<ParticipantResult> {
  const srv = await startServerProcess();
  const client = createRoomgateClient({ address: `127.0.0.1:${srv.grpcPort}`, retry: false });
  const admin = tokenFor({ identity: "bench-admin", video: { roomAdmin: true, room: BENCH_ROOM } });
  const asAdmin = { token: admin };
  let streams: StreamCall<WatchParticipantResponse>[] = [];
  try {
    const rssEmpty = await srv.rss();
    await joinRange(client, 0, opts.watched);
    const waiting = new Map<string, () => void>();
    streams = await openWatchers(client, opts.watched, admin, (id) => waiting.get(id)?.());

    const h = latencyHistogram();
    let seq = 0;
    await Promise.all(Array.from({ length: opts.updateConcurrency }, async () => {
      while (seq < opts.updates) {
        const s = seq++;
        const i = s % opts.watched;
        const pushed = new Promise<void>((resolve) => waiting.set(identityOf(i), resolve));
        const t0 = nowNs();
        await client.participants.updateParticipant(updateRequest(i, s), asAdmin);
        await pushed;
        h.record(Math.max(1, Math.round(nowNs() - t0)));
        waiting.delete(identityOf(i));
      }
    }));

    let n = opts.updates;
    const before = await srv.stats();
    const load = await runLoad(opts.throughput, () => {
      const s = n++;
      return client.participants.updateParticipant(updateRequest(s % opts.watched, s), asAdmin);
    });
    const after = await srv.stats();
    if (load.failed > 0) throw new Error(`UpdateParticipant failed under load: ${load.firstError}`);
    const flushes = after.commits.flushes - before.commits.flushes;
    const watchers = streams.length;

    for (const s of streams) s.cancel();
    streams = [];
    await joinRange(client, opts.watched, opts.registered);
    const rss = await srv.rss();
    return {
      update: {
        rps: load.rps, p50: load.p50, p99: load.p99, concurrency: opts.throughput.concurrency, watchers,
        perFlush: flushes > 0 ? (after.commits.writes - before.commits.writes) / flushes : 0,
        cpuUsPerUpdate: load.ok > 0 ? (after.cpuUs - before.cpuUs) / load.ok : 0,
      },
      push: { p50: percentileMs(h, 50), p99: percentileMs(h, 99), watched: opts.watched, updates: opts.updates },
      memory: { registered: opts.registered, rssEmptyMb: rssEmpty / MB, rssMb: rss / MB },
    };
  } finally {
    for (const s of streams) s.cancel();
    client.close();
    await srv.close();
  }
}
