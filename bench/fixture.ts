import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { systemClock } from "../src/core/clock.js";
import { hashCredential, parseCredentialHash } from "../src/core/credentials.js";
import { createKeyRing } from "../src/core/keys.js";
import { silentLogger } from "../src/log.js";
import { DEFAULT_PARTICIPANT_SETTINGS, type ParticipantSettings } from "../src/config/server-config.js";
import { REDIS_DEFAULTS } from "../src/participants/redis/connection.js";
import { startServer, type RunningServer } from "../src/server.js";
import { CreateTokenRequestSchema, Grant, VerifyTokenRequestSchema } from "../gen/roomgate/v1/token_service_pb.js";
import { testConfig } from "../test/support/token-server.js";

/** The bench server's API key and secret. */
export const BENCH_API_KEY = "APIbench";
/** Secret of BENCH_API_KEY (over LiveKit's 32-byte minimum). */
export const BENCH_SECRET = "bench-secret-that-is-comfortably-over-32-bytes";
/** The credential CreateToken callers present. */
export const BENCH_CLIENT_CREDENTIAL = "bench-client-credential";
/** The room every benchmark token names. */
export const BENCH_ROOM = "bench-room";

/** A roomgate server on 127.0.0.1 with the wall clock, plus its scratch directory. */
export interface BenchServer {
  server: RunningServer;
  close(): Promise<void>;
}

/** Settings a benchmark may change on its server. */
export interface BenchServerOptions {
  /** Prometheus metrics and their counting (the server default is on). */
  metrics?: boolean;
  /** Participant settings over the defaults (watch limits for the stalled-stream measurement). */
  participants?: Partial<ParticipantSettings>;
  /** Participants on this Redis instead of the embedded store. */
  redisUrl?: string;
}

/** Starts roomgate on loopback with random ports and a throwaway data directory, or on Redis when `redisUrl` is given. */
export async function startBenchServer(opts: BenchServerOptions = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "roomgate-bench-"));
  const config = testConfig(dataDir, {
    keys: { inline: new Map([[BENCH_API_KEY, BENCH_SECRET]]), allowShortSecrets: false },
    clients: [parseCredentialHash("bench", hashCredential(BENCH_CLIENT_CREDENTIAL))],
    participants: { ...DEFAULT_PARTICIPANT_SETTINGS, ...opts.participants },
    ...(opts.metrics !== undefined && { metrics: opts.metrics }),
    ...(opts.redisUrl !== undefined && { redis: { ...REDIS_DEFAULTS, url: opts.redisUrl } }),
  });
  const keyRing = createKeyRing(config.keys.inline);
  const server = await startServer(config, { logger: silentLogger, clock: systemClock, keyRing });
  return {
    server,
    close: async () => {
      await server.close(2000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The CreateToken request the load tests send: the same claims as the in-process benchmark. */
export function benchCreateRequest(): ReturnType<typeof create<typeof CreateTokenRequestSchema>> {
  return create(CreateTokenRequestSchema, {
    claims: { identity: "alice", name: "Alice", video: { roomJoin: true, room: BENCH_ROOM, canPublish: true, canSubscribe: true } },
    ttl: durationFromMs(3_600_000),
  });
}

/** A VerifyToken request that also requires roomJoin in the bench room. */
export function benchVerifyRequest(token: string): ReturnType<typeof create<typeof VerifyTokenRequestSchema>> {
  return create(VerifyTokenRequestSchema, { token, require: [Grant.ROOM_JOIN], room: BENCH_ROOM });
}

/** Wire bodies of the bench requests, for clients that send raw bytes or JSON. */
export function benchBodies(token: string): { createBin: Buffer; verifyBin: Buffer; createJson: string; verifyJson: string } {
  return {
    createBin: Buffer.from(toBinary(CreateTokenRequestSchema, benchCreateRequest())),
    verifyBin: Buffer.from(toBinary(VerifyTokenRequestSchema, benchVerifyRequest(token))),
    createJson: toJsonString(CreateTokenRequestSchema, benchCreateRequest()),
    verifyJson: toJsonString(VerifyTokenRequestSchema, benchVerifyRequest(token)),
  };
}
