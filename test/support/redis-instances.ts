import { create } from "@bufbuild/protobuf";
import { Health, HealthCheckRequestSchema, type HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.js";
import { REDIS_DEFAULTS, type RedisSettings } from "../../src/participants/redis/connection.js";
import { callUnary, insecureClientFor } from "./grpc-client.js";
import type { TestRedis } from "./redis-server.js";
import { hs256 } from "./raw-tokens.js";
import { API_KEY, API_SECRET, startTestServer, T0_MS, type TestServer } from "./token-server.js";

/** Redis settings for tests: the server's URL and bounds short enough to keep outage tests quick. */
export function testRedisSettings(redis: Pick<TestRedis, "url">, overrides: Partial<RedisSettings> = {}): RedisSettings {
  return { ...REDIS_DEFAULTS, url: redis.url, timeoutMs: 500, maxStalenessMs: 1500, ...overrides };
}

/** Starts one roomgate instance (in this process, on loopback) on a test Redis. */
export function startRedisInstance(redis: Pick<TestRedis, "url">, overrides: Partial<RedisSettings> = {}): Promise<TestServer> {
  const settings = testRedisSettings(redis, overrides);
  // The data directory is never opened with Redis; the path only satisfies the config shape.
  return startTestServer("/nonexistent-roomgate-data", { redis: settings });
}

/** gRPC health status of one service name. */
export async function healthOf(s: TestServer, service: string): Promise<HealthCheckResponse_ServingStatus> {
  const client = insecureClientFor(Health, `127.0.0.1:${s.server.grpcPort}`);
  try {
    return (await callUnary(client, Health.method.check, create(HealthCheckRequestSchema, { service }))).status;
  } finally {
    client.close();
  }
}

const NOW = T0_MS / 1000;

/** A join token for `identity` in `room`, signed with the test key, valid for an hour from T0. */
export function instanceJoinToken(identity: string, room = "r"): string {
  return hs256({ iss: API_KEY, sub: identity, iat: NOW, nbf: NOW, exp: NOW + 3600, video: { roomJoin: true, room } }, API_SECRET);
}

/** A roomAdmin token for `room`, signed with the test key. */
export function instanceAdminToken(room = "r"): string {
  return hs256({ iss: API_KEY, sub: "admin", iat: NOW, nbf: NOW, exp: NOW + 3600, video: { roomAdmin: true, room } }, API_SECRET);
}
