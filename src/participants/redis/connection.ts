import { createHash, randomUUID } from "node:crypto";
import { createClient } from "redis";
import { RoomgateError } from "../../core/errors.js";
import type { Logger } from "../../log.js";

/** How roomgate talks to Redis; every field has a documented default in the README. */
export interface RedisSettings {
  /** redis:// or rediss:// URL (user, password and database number included). */
  url: string;
  /** Prefix of every key roomgate writes (default `roomgate:`). */
  keyPrefix: string;
  /** Bound on every store call, retries included (default 2000 ms). */
  timeoutMs: number;
  /** How long VerifyToken answers from memory after the last contact with Redis (default 5000 ms; 0 = not at all). */
  maxStalenessMs: number;
  /** Approximate bound on the event stream's length (XADD MAXLEN ~; default 100,000). */
  streamMaxLen: number;
  /** Find the primary by asking these sentinels instead of connecting to the URL's host (none by default). */
  sentinel?: SentinelSettings;
}

/** Where Sentinel is asked for the primary: the monitored name and the sentinels' addresses (all asked; the newest epoch wins, then the order). */
export interface SentinelSettings {
  master: string;
  sentinels: Array<{ host: string; port: number }>;
}

/** Defaults of the Redis settings. */
export const REDIS_DEFAULTS = { keyPrefix: "roomgate:", timeoutMs: 2000, maxStalenessMs: 5000, streamMaxLen: 100_000 } as const;

/**
 * A connection as roomgate uses it: replies are RESP2 arrays and strings, which the codec reads
 * by hand. A plain node-redis client is one; so is the one that follows the primary Sentinel names.
 */
export interface RawClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  sendCommand(args: string[]): Promise<unknown>;
  on(event: "ready" | "error" | "end" | "terminated", listener: (...args: never[]) => void): unknown;
}

/** Wraps anything Redis or the client raised into the one reason callers see; the cause goes to the logs. */
export function unavailable(cause: unknown): RoomgateError {
  return cause instanceof RoomgateError ? cause : new RoomgateError("store_unavailable", { cause });
}

/** Runs `fn` but gives up with `store_unavailable` after `ms` (a written command on a hung server never answers). */
export async function withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RoomgateError("store_unavailable", { cause: new Error(`no reply from redis within ${ms} ms`) })), ms);
  });
  try {
    return await Promise.race([fn(), deadline]);
  } catch (err) {
    throw unavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Reconnect forever: exponential backoff to 2 s plus jitter (node-redis's default gives up after a socket timeout). */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), 2000) + Math.floor(Math.random() * 200);
}

/**
 * Creates a fail-fast client: no offline queue (a call while disconnected fails at once), a
 * socket timeout kept from firing on idle connections by pings, and reconnection forever
 * (or, with `reconnect` false, none: a Sentinel follower asks again where to connect instead).
 * `blocking` clients run XREAD BLOCK, so their socket timeout must exceed the block time.
 */
export function createRawClient(settings: RedisSettings, name: string, log: Logger, blockMs = 0, reconnect = true): RawClient {
  const socketTimeout = Math.max(1000, settings.timeoutMs) + blockMs;
  const client = createClient({
    url: settings.url,
    RESP: 2,
    name,
    maintNotifications: "disabled",
    disableOfflineQueue: true,
    disableClientInfo: true,
    pingInterval: Math.max(250, Math.floor(socketTimeout / 3)),
    socket: {
      connectTimeout: settings.timeoutMs,
      socketTimeout,
      reconnectStrategy: reconnect ? (attempt: number) => reconnectDelay(attempt) : false,
    },
  }) as unknown as RawClient;
  // Without a listener an error event would end the process; the socket reconnects by itself.
  let lastLogged = 0;
  client.on("error", (err: unknown) => {
    const now = Date.now();
    if (now - lastLogged < 5000) return;
    lastLogged = now;
    log.warn("redis connection error; reconnecting", { client: name, error: err instanceof Error ? err.message : String(err) });
  });
  return client;
}

/** A Lua script sent by EVALSHA, falling back to EVAL after a restart or failover emptied the script cache. */
export interface LuaScript {
  run(client: RawClient, keys: string[], args: string[]): Promise<unknown>;
}

/** Prepares a script. */
export function luaScript(source: string): LuaScript {
  const sha = createHash("sha1").update(source).digest("hex");
  return {
    async run(client, keys, args) {
      try {
        return await client.sendCommand(["EVALSHA", sha, String(keys.length), ...keys, ...args]);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
        return client.sendCommand(["EVAL", source, String(keys.length), ...keys, ...args]);
      }
    },
  };
}

/** A fresh instance id for event origins and CLIENT SETNAME. */
export function newInstanceId(): string {
  return randomUUID().slice(0, 8);
}

/** One `key:value` line of an INFO section. */
export function infoField(info: string, field: string): string | undefined {
  const m = new RegExp(`^${field}:(.*)$`, "m").exec(info);
  return m?.[1]?.trim();
}

/** What a Redis server's configuration means for roomgate. */
export interface ServerCheck {
  /** A fatal problem: the instance must not use this server. */
  refuse?: string;
  /** Worth an operator's attention, not fatal. */
  warnings: string[];
}

/**
 * Checks a server roomgate is about to rely on: Cluster mode is refused (every write touches
 * one participant's keys, the watermark hash and the event stream in one script), so are a
 * replica (it refuses writes) and an eviction policy that could drop a watermark; AOF off only warns.
 */
export async function checkServer(client: RawClient): Promise<ServerCheck> {
  const warnings: string[] = [];
  const cluster = String(await client.sendCommand(["INFO", "cluster"]));
  if (infoField(cluster, "cluster_enabled") === "1") {
    return { refuse: "Redis Cluster is not supported: point redis_url at a standalone or Sentinel-managed primary", warnings };
  }
  const replication = String(await client.sendCommand(["INFO", "replication"]));
  if (infoField(replication, "role") === "slave") {
    return { refuse: "redis_url points at a read-only replica: point it at the primary (or an address that follows it)", warnings };
  }
  const memory = String(await client.sendCommand(["INFO", "memory"]));
  const policy = infoField(memory, "maxmemory_policy") ?? "noeviction";
  if (policy.startsWith("allkeys-")) {
    return { refuse: `Redis maxmemory-policy is ${policy}, which can evict revocation watermarks: set maxmemory-policy noeviction`, warnings };
  }
  const persistence = String(await client.sendCommand(["INFO", "persistence"]));
  if (infoField(persistence, "aof_enabled") !== "1") {
    warnings.push("Redis runs without AOF (appendonly no): acknowledged changes and revocations can be lost in a Redis restart");
  }
  return { warnings };
}
