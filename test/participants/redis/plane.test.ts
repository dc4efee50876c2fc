import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_PARTICIPANT_SETTINGS } from "../../../src/config/server-config.js";
import { manualClock } from "../../../src/core/clock.js";
import { silentLogger, type Logger } from "../../../src/log.js";
import { REDIS_DEFAULTS } from "../../../src/participants/redis/connection.js";
import { createRedisPlane, type RedisPlane } from "../../../src/participants/redis/plane.js";
import { createParticipantRegistry } from "../../../src/participants/registry.js";
import { createManualTimers } from "../../../src/participants/timers.js";
import { hasRedisServer, startTestRedis, type TestRedis } from "../../support/redis-server.js";
import { T0_MS, testKeys } from "../fixtures.js";

const WAIT = { timeout: 8000, interval: 25 };

describe.skipIf(!hasRedisServer)("redis plane: start-up checks and health", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const redisWith = async (extra: string[] = []): Promise<TestRedis> => {
    const r = await startTestRedis({ extra });
    cleanups.push(() => r.stop());
    return r;
  };
  const plane = (redis: TestRedis, log: Logger = silentLogger, checkIntervalMs?: number): { p: RedisPlane; start: () => Promise<void> } => {
    const p = createRedisPlane({ ...REDIS_DEFAULTS, url: redis.url, timeoutMs: 500 }, log, () => performance.now(), checkIntervalMs);
    const clock = manualClock(T0_MS);
    const registry = createParticipantRegistry({
      store: p.store, events: p.events, keys: testKeys(), clock, timers: createManualTimers(clock), settings: DEFAULT_PARTICIPANT_SETTINGS,
    });
    cleanups.push(async () => {
      registry.stop();
      await p.close();
    });
    return { p, start: () => p.start(registry) };
  };

  it("refuses Redis Cluster at start with a clear message", async () => {
    const redis = await redisWith(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]);
    await expect(plane(redis).start()).rejects.toThrow("Redis Cluster is not supported: point redis_url at a standalone or Sentinel-managed primary");
  });

  it("refuses a read-only replica at start", async () => {
    const primary = await redisWith();
    const replica = await redisWith(["--replicaof", "127.0.0.1", String(primary.port)]);
    await expect(plane(replica).start()).rejects.toThrow("redis_url points at a read-only replica");
  });

  it("refuses an eviction policy at start; one set later turns ParticipantService NOT_SERVING with an error line until fixed", async () => {
    const redis = await redisWith(["--maxmemory-policy", "allkeys-lru"]);
    await expect(plane(redis).start()).rejects.toThrow(/maxmemory-policy is allkeys-lru/);
    await redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
    const errors: string[] = [];
    const { p, start } = plane(redis, { ...silentLogger, error: (m: string) => void errors.push(m) }, 100);
    await start();
    await vi.waitFor(() => expect(p.serving()).toBe(true), WAIT);
    await redis.command("CONFIG", "SET", "maxmemory-policy", "allkeys-random");
    await vi.waitFor(() => expect(p.serving()).toBe(false), WAIT);
    expect(errors).toEqual([expect.stringMatching(/participant store refused: Redis maxmemory-policy is allkeys-random/)]);
    await redis.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
    await vi.waitFor(() => expect(p.serving()).toBe(true), WAIT);
  });
});
