import type * as http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { createHmacKey } from "../src/core/hmac-key.js";
import { mintToken } from "../src/core/minting.js";
import { createRoomgateClient } from "../src/client/client.js";
import { Health, HealthCheckRequestSchema } from "../gen/health/v1/health_pb.js";
import { callUnary, insecureClientFor } from "../test/support/grpc-client.js";
import { rawWatch, zeroWindowSession } from "../test/support/raw-watch.js";
import { BENCH_API_KEY, BENCH_ROOM, BENCH_SECRET } from "./fixture.js";
import { startServerProcess } from "./server-process.js";
import { latencyHistogram, nowNs, percentileMs } from "./stats.js";

/** Sizes of the stalled-stream measurement. */
export interface StalledOptions {
  /** WatchParticipant streams opened on one participant by clients that never read. */
  streams: number;
  /** Bytes of the watched participant's metadata (each pushed token carries it, and so does the participant). */
  metadataBytes: number;
  /** Streams per HTTP/2 connection. */
  streamsPerConnection: number;
  /** Streams opened at once; the next batch starts when the server has answered them all (so health checks interleave). */
  batch: number;
}

/** What the stalled-stream run measured. */
export interface StalledResult {
  streams: number;
  metadataBytes: number;
  /** Streams on which the server sent its response headers (it wrote the first message and is stuck). */
  opened: number;
  /** Time from the first open to the last stream answered, in ms. */
  openMs: number;
  /** Streams the server ended at once (limits), by gRPC status. */
  refused: Record<string, number>;
  rssBeforeMb: number;
  /** RSS added after all streams opened, and after an update was pushed to them (both after a full GC). */
  rssAddedOpenMb: number;
  rssAddedUpdateMb: number;
  /** Health/Check latency on its own connection while the streams opened, and while the update was pushed. */
  healthOpen: { p50: number; p99: number; max: number; count: number };
  healthUpdate: { p50: number; p99: number; max: number; count: number };
}

const MB = 1024 * 1024;

function tokenFor(grants: Parameters<typeof mintToken>[1]["grants"]): string {
  return mintToken(createHmacKey(BENCH_API_KEY, BENCH_SECRET), { grants, ttlSeconds: 6 * 3600 }, Math.floor(Date.now() / 1000)).token;
}

/** Calls Health/Check back to back on its own connection until stopped; records each latency. */
function healthProbe(address: string) {
  const client = insecureClientFor(Health, address);
  let h = latencyHistogram();
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = nowNs();
      await callUnary(client, Health.method.check, create(HealthCheckRequestSchema, { service: "" }));
      h.record(Math.max(1, Math.round(nowNs() - t0)));
      // A short pause so the probe measures the server's loop, not a saturated client.
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    /** The latencies since the last take, and a fresh recorder for the next phase. */
    take() {
      const done = h;
      h = latencyHistogram();
      return { p50: percentileMs(done, 50), p99: percentileMs(done, 99), max: done.max / 1e6, count: done.count };
    },
    async stop() {
      running = false;
      await loop;
      client.close();
    },
  };
}

/**
 * Stalled watchers: many WatchParticipant streams on one large participant, from
 * HTTP/2 clients that announce a zero flow-control window and never read, so the
 * server cannot flush anything it writes. Reports the server's added RSS and the
 * latency of health checks meanwhile (issue 7's repro, bounded by contract §9).
 */
export async function runStalledWatch(opts: StalledOptions): Promise<StalledResult> {
  // The per-participant limit is raised to the stream count so every stream is let in and measured.
  const srv = await startServerProcess({ participants: { maxWatchersPerParticipant: opts.streams, watchBuffer: 32 } });
  const address = `127.0.0.1:${srv.grpcPort}`;
  const client = createRoomgateClient({ address, retry: false });
  const admin = tokenFor({ identity: "bench-admin", video: { roomAdmin: true, room: BENCH_ROOM } });
  const identity = "big";
  const sessions: http2.ClientHttp2Session[] = [];
  const probe = healthProbe(address);
  try {
    const metadata = "m".repeat(opts.metadataBytes);
    const join = tokenFor({ identity, metadata, video: { roomJoin: true, room: BENCH_ROOM } });
    await client.participants.joinRoom({ token: join });
    const rssBefore = await srv.rss();
    probe.take();

    const refused: Record<string, number> = {};
    let opened = 0;
    const openStart = nowNs();
    let waits: Promise<void>[] = [];
    for (let i = 0; i < opts.streams; i++) {
      if (i > 0 && i % opts.batch === 0) {
        await Promise.all(waits);
        waits = [];
      }
      if (i % opts.streamsPerConnection === 0) sessions.push(zeroWindowSession(address));
      waits.push(rawWatch(sessions.at(-1)!, BENCH_ROOM, identity, admin).answered.then((headers) => {
        const status = headers?.["grpc-status"];
        if (!headers) refused.closed = (refused.closed ?? 0) + 1;
        else if (status !== undefined) refused[String(status)] = (refused[String(status)] ?? 0) + 1;
        else opened++;
      }));
    }
    await Promise.all(waits);
    const openMs = (nowNs() - openStart) / 1e6;
    const healthOpen = probe.take();
    const rssOpen = await srv.rss();
    // The full GC behind the RSS reading stalls the server; its latency belongs to no phase.
    probe.take();

    const pushed = nowNs();
    await client.participants.updateParticipant({ room: BENCH_ROOM, identity, metadata: `${"u".repeat(opts.metadataBytes)}` }, { token: admin });
    // Let the push reach every stream's queue and the loop settle before reading memory.
    while (nowNs() - pushed < 1e9) await new Promise((r) => setTimeout(r, 50));
    const healthUpdate = probe.take();
    const rssUpdate = await srv.rss();
    return {
      streams: opts.streams,
      metadataBytes: opts.metadataBytes,
      opened,
      openMs,
      refused,
      rssBeforeMb: rssBefore / MB,
      rssAddedOpenMb: (rssOpen - rssBefore) / MB,
      rssAddedUpdateMb: (rssUpdate - rssBefore) / MB,
      healthOpen,
      healthUpdate,
    };
  } finally {
    await probe.stop();
    for (const s of sessions) s.destroy();
    client.close();
    await srv.close();
  }
}
