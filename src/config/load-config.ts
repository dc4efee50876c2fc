import { hashCredential, parseCredentialHash, type ClientCredential } from "../core/credentials.js";
import { createKeyRing, KeyConfigError, type KeyRing } from "../core/keys.js";
import { MAX_TIMER_MS } from "../participants/timers.js";
import { ConfigError } from "./config-error.js";
import { parseConfigFile, type FileConfig } from "./config-file.js";
import { parseKeysEnv, readKeyFile, type ReadFile } from "./key-file.js";
import { DEFAULT_CONNECTION_SETTINGS, DEFAULT_PARTICIPANT_SETTINGS, type ConnectionSettings, type KeySources, type ServerConfig } from "./server-config.js";
import { hostOf, isLoopbackHost } from "../transport/host-port.js";
import { isLogLevel } from "./values.js";
import { REDIS_DEFAULTS } from "../participants/redis/connection.js";
import { parseSentinelSpec, sentinelUrl } from "./redis-sentinel-config.js";

/** Environment variables as the entry point read them. */
export type Env = Record<string, string | undefined>;

/** The `roomgate serve` flags that feed the configuration. */
export interface ServeFlags {
  dev?: boolean;
  config?: string;
  grpcAddr?: string;
  httpAddr?: string;
  data?: string;
  redis?: string;
  /** `--redis-sentinel MASTER@HOST:PORT[,HOST:PORT…]`. */
  redisSentinel?: string;
  auditLog?: string;
}

/** Everything loadServerConfig reads; injected so it never touches process state. */
export interface LoadConfigInput {
  flags: ServeFlags;
  env: Env;
  readFile: ReadFile;
  /** Creates a fresh, empty temporary directory (the --dev data dir). */
  makeTempDir: () => string;
}

/** `--dev` credentials, as `livekit-server --dev` and contract §5 fix them. */
export const DEV_API_KEY = "devkey";
/** `--dev` API secret (deliberately short; only accepted in dev mode). */
export const DEV_API_SECRET = "secret";
/** `--dev` client credential for CreateToken. */
export const DEV_CLIENT_CREDENTIAL = "devclient";

/** Defaults applied when no source sets a value. */
export const CONFIG_DEFAULTS = {
  grpcAddr: "0.0.0.0:7890",
  httpAddr: "0.0.0.0:7891",
  devGrpcAddr: "127.0.0.1:7890",
  devHttpAddr: "127.0.0.1:7891",
  dataDir: "./data",
  defaultTtlSeconds: 6 * 3600,
  maxTtlSeconds: 24 * 3600,
  leewaySeconds: 60,
  maxTokenBytes: 1024 * 1024,
  // LiveKit's largest participant update is 512 KiB metadata + 64 KiB attributes + a name; 1 MiB carries it with room for framing.
  // Room for a token of max_token_bytes plus the rest of a request, so an oversize token is token_malformed, not a transport error.
  maxRequestBytes: 2 * 1024 * 1024,
  logLevel: "info",
} as const;

// Empty variables count as unset, as container environments often define them blank.
function envValue(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === "" ? undefined : v;
}

/** The first defined value and where it came from, for error messages. */
function pick(...candidates: [string | undefined, string][]): [string, string] | undefined {
  for (const [value, origin] of candidates) if (value !== undefined) return [value, origin];
  return undefined;
}

function readConfigFile(path: string, readFile: ReadFile): FileConfig {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read config file ${path}${code ? ` (${code})` : ""}`);
  }
  return parseConfigFile(text, path);
}

function listenAddress(dev: boolean, chosen: [string, string]): string {
  const [addr, origin] = chosen;
  // ":PORT" is refused too: it would leave the interface to each listener's own default.
  const host = hostOf(addr);
  if (host === undefined) throw new ConfigError(`${origin}: "${addr}" is not a HOST:PORT address (port 0-65535; IPv6 as [::1]:PORT)`);
  if (dev && !isLoopbackHost(host)) {
    throw new ConfigError(`--dev listens on loopback only, but ${origin} is "${addr}"; use 127.0.0.1, ::1 or localhost`);
  }
  return addr;
}

function inlineKeys(file: FileConfig, env: Env, dev: boolean): Map<string, string> {
  const keys = new Map(file.keys ?? []);
  const fromEnv = envValue(env, "LIVEKIT_KEYS");
  if (fromEnv !== undefined) for (const [k, v] of parseKeysEnv(fromEnv)) keys.set(k, v);
  const apiKey = envValue(env, "LIVEKIT_API_KEY");
  const apiSecret = envValue(env, "LIVEKIT_API_SECRET");
  if ((apiKey === undefined) !== (apiSecret === undefined)) {
    throw new ConfigError("LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set together");
  }
  if (apiKey !== undefined && apiSecret !== undefined) keys.set(apiKey, apiSecret);
  if (dev) keys.set(DEV_API_KEY, DEV_API_SECRET);
  return keys;
}

/**
 * Reads the key file (if any) and merges the inline keys into a KeyRing.
 * Used at start-up and again on SIGHUP, so a rotated key file takes effect
 * without a restart. Throws ConfigError or KeyConfigError naming the key at fault.
 * With `requireKeyFileKeys` (reloads), a key file that yields no key is an error,
 * even when inline keys remain: an empty or half-written file must not drop its keys.
 */
export function loadKeyRing(sources: KeySources, readFile: ReadFile, check: { requireKeyFileKeys?: boolean } = {}): KeyRing {
  const secrets = new Map<string, string>();
  if (sources.keyFile !== undefined) {
    const fromFile = readKeyFile(sources.keyFile, readFile);
    if (fromFile.size === 0 && check.requireKeyFileKeys) {
      throw new ConfigError(`key file ${sources.keyFile} has no keys (empty or partly written?); a reload needs at least one key in it`);
    }
    for (const [k, v] of fromFile) secrets.set(k, v);
  }
  for (const [k, v] of sources.inline) {
    // Two different secrets for one key would make verification depend on load order.
    if (secrets.has(k) && secrets.get(k) !== v) {
      throw new ConfigError(`API key "${k}" is defined both in key file ${sources.keyFile} and inline, with different secrets`);
    }
    secrets.set(k, v);
  }
  if (secrets.size === 0) {
    throw new KeyConfigError(
      "no API keys configured: set keys or key_file in the config file, LIVEKIT_KEYS, LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or ROOMGATE_KEY_FILE (or use --dev)",
    );
  }
  const opts: { defaultKey?: string; allowShortSecrets: boolean } = { allowShortSecrets: sources.allowShortSecrets };
  if (sources.defaultKey !== undefined) opts.defaultKey = sources.defaultKey;
  return createKeyRing(secrets, opts);
}

// --dev always accepts the well-known dev client, next to any configured ones.
function clientsOf(file: FileConfig, dev: boolean): ClientCredential[] {
  const clients: ClientCredential[] = [...(file.clients ?? [])];
  if (dev && !clients.some((c) => c.name === "dev")) clients.push(parseCredentialHash("dev", hashCredential(DEV_CLIENT_CREDENTIAL)));
  return clients;
}

/** What SIGHUP swaps in: the key ring and the CreateToken clients, read together from one pass over the config file. */
export interface ReloadedCredentials {
  keyRing: KeyRing;
  clients: ClientCredential[];
}

/**
 * Re-reads everything SIGHUP reloads: the config file's `keys:`, `key_file`,
 * `default_key` and `clients`, the key file, and the environment's keys as
 * they were at start-up. Throws on any error (a key file without keys
 * included), so the caller keeps what it has.
 */
export function reloadCredentials(input: Pick<LoadConfigInput, "flags" | "env" | "readFile">): ReloadedCredentials {
  const dev = input.flags.dev === true;
  const configPath = input.flags.config ?? envValue(input.env, "ROOMGATE_CONFIG");
  const file = configPath === undefined ? {} : readConfigFile(configPath, input.readFile);
  const keyRing = loadKeyRing(keySourcesOf(file, input.env, dev), input.readFile, { requireKeyFileKeys: true });
  return { keyRing, clients: clientsOf(file, dev) };
}

function keySourcesOf(file: FileConfig, env: Env, dev: boolean): KeySources {
  const keys: KeySources = { inline: inlineKeys(file, env, dev), allowShortSecrets: dev };
  const keyFile = envValue(env, "ROOMGATE_KEY_FILE") ?? file.keyFile;
  if (keyFile !== undefined) keys.keyFile = keyFile;
  if (file.defaultKey !== undefined) keys.defaultKey = file.defaultKey;
  return keys;
}

/** Checks a Redis URL's form; the server is contacted only at start-up. Cluster is refused there (it needs a connection). */
function redisUrlOf([value, origin]: [string, string]): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${origin} is not a URL; expected redis://[user:password@]host[:port][/db] or rediss://…`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new ConfigError(`${origin} must start with redis:// or rediss:// (Redis Cluster is not supported; use a standalone or Sentinel-managed primary)`);
  }
  if (!u.hostname) throw new ConfigError(`${origin} names no host`);
  return value;
}

// Room a request needs besides its token (framing, other fields).
const REQUEST_HEADROOM_BYTES = 64 * 1024;

function positive(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${name} must be at least ${min}`);
  return value;
}

// Every duration that feeds a Node timer must fit one: a longer one would fire at once.
function timerMs(v: number, key: string): number {
  if (v > MAX_TIMER_MS) throw new ConfigError(`${key} must be at most ${Math.floor(MAX_TIMER_MS / 1000)}s (about 24 days)`);
  return v;
}

/**
 * The `connections:` section over the defaults, in milliseconds. Every
 * timeout must fit a Node timer (a longer one would fire at once), and a
 * request's deadline cannot be shorter than its headers'.
 */
export function connectionSettings(file: FileConfig["connections"] = {}): ConnectionSettings {
  const d = DEFAULT_CONNECTION_SETTINGS;
  const ms = (seconds: number | undefined, fallback: number, name: string): number => {
    return timerMs(seconds === undefined ? fallback : seconds * 1000, `connections.${name}`);
  };
  const c: ConnectionSettings = {
    maxConnections: file.maxConnections ?? d.maxConnections,
    httpHeaderTimeoutMs: ms(file.httpHeaderTimeoutSeconds, d.httpHeaderTimeoutMs, "http_header_timeout"),
    httpRequestTimeoutMs: ms(file.httpRequestTimeoutSeconds, d.httpRequestTimeoutMs, "http_request_timeout"),
    httpIdleTimeoutMs: ms(file.httpIdleTimeoutSeconds, d.httpIdleTimeoutMs, "http_idle_timeout"),
    grpcIdleTimeoutMs: ms(file.grpcIdleTimeoutSeconds, d.grpcIdleTimeoutMs, "grpc_idle_timeout"),
    grpcKeepaliveTimeMs: ms(file.grpcKeepaliveTimeSeconds, d.grpcKeepaliveTimeMs, "grpc_keepalive_time"),
    grpcKeepaliveTimeoutMs: ms(file.grpcKeepaliveTimeoutSeconds, d.grpcKeepaliveTimeoutMs, "grpc_keepalive_timeout"),
    grpcMaxConnectionAgeMs: ms(file.grpcMaxConnectionAgeSeconds, d.grpcMaxConnectionAgeMs, "grpc_max_connection_age"),
    grpcMaxConnectionAgeGraceMs: ms(file.grpcMaxConnectionAgeGraceSeconds, d.grpcMaxConnectionAgeGraceMs, "grpc_max_connection_age_grace"),
  };
  if (c.httpRequestTimeoutMs < c.httpHeaderTimeoutMs) {
    throw new ConfigError("connections.http_request_timeout must not be shorter than connections.http_header_timeout");
  }
  return c;
}

/**
 * Resolves the server configuration with precedence flags > environment >
 * config file > defaults, applies `--dev` (contract §5) and validates the
 * result, including every API key, before anything listens.
 */
export function loadServerConfig(input: LoadConfigInput): ServerConfig {
  const { flags, env, readFile } = input;
  const dev = flags.dev === true;
  const configPath = flags.config ?? envValue(env, "ROOMGATE_CONFIG");
  const file = configPath === undefined ? {} : readConfigFile(configPath, readFile);
  const fileOrigin = (key: string) => `${key} in ${configPath}`;

  const grpcAddr = listenAddress(dev, pick(
    [flags.grpcAddr, "--grpc-addr"],
    [envValue(env, "ROOMGATE_GRPC_ADDR"), "ROOMGATE_GRPC_ADDR"],
    [file.grpcAddr, fileOrigin("grpc_addr")],
    [dev ? CONFIG_DEFAULTS.devGrpcAddr : CONFIG_DEFAULTS.grpcAddr, "the default"],
  )!);
  const httpAddr = listenAddress(dev, pick(
    [flags.httpAddr, "--http-addr"],
    [envValue(env, "ROOMGATE_HTTP_ADDR"), "ROOMGATE_HTTP_ADDR"],
    [file.httpAddr, fileOrigin("http_addr")],
    [dev ? CONFIG_DEFAULTS.devHttpAddr : CONFIG_DEFAULTS.httpAddr, "the default"],
  )!);
  const redisChoice = pick([flags.redis, "--redis"], [envValue(env, "ROOMGATE_REDIS_URL"), "ROOMGATE_REDIS_URL"], [file.redisUrl, fileOrigin("redis_url")]);
  const sentinelSpec = pick([flags.redisSentinel, "--redis-sentinel"], [envValue(env, "ROOMGATE_REDIS_SENTINEL"), "ROOMGATE_REDIS_SENTINEL"]);
  const sentinelOrigin = sentinelSpec?.[1] ?? fileOrigin("redis_sentinel");
  const sentinel = sentinelSpec ? parseSentinelSpec(...sentinelSpec) : file.redisSentinel;
  const checkedUrl = redisChoice && redisUrlOf(redisChoice);
  const redisUrl = sentinel ? sentinelUrl(sentinel, sentinelOrigin, checkedUrl === undefined ? undefined : redisChoice) : checkedUrl;
  // One store at a time: an explicit data directory next to Redis would silently hold nothing.
  if (redisUrl !== undefined && flags.data !== undefined) {
    throw new ConfigError(`--data and ${sentinel ? sentinelOrigin : redisChoice![1]} both choose the participant store; give one of them`);
  }

  const levelChoice = pick([envValue(env, "ROOMGATE_LOG_LEVEL"), "ROOMGATE_LOG_LEVEL"], [file.logLevel, fileOrigin("log_level")]);
  if (levelChoice && !isLogLevel(levelChoice[0])) throw new ConfigError(`${levelChoice[1]} must be one of debug, info, warn, error`);
  const logLevel = levelChoice && isLogLevel(levelChoice[0]) ? levelChoice[0] : CONFIG_DEFAULTS.logLevel;

  const keys = keySourcesOf(file, env, dev);
  loadKeyRing(keys, readFile);

  const clients = clientsOf(file, dev);

  const t = file.tokens ?? {};
  const defaultTtlSeconds = t.defaultTtlSeconds ?? CONFIG_DEFAULTS.defaultTtlSeconds;
  const maxTtlSeconds = t.maxTtlSeconds ?? CONFIG_DEFAULTS.maxTtlSeconds;
  if (defaultTtlSeconds > maxTtlSeconds) throw new ConfigError("tokens.default_ttl must not exceed tokens.max_ttl");

  const p = file.participants ?? {};
  const d = DEFAULT_PARTICIPANT_SETTINGS;
  const limits = {
    nameBytes: p.maxNameBytes ?? d.limits.nameBytes,
    metadataBytes: p.maxMetadataBytes ?? d.limits.metadataBytes,
    attributesBytes: p.maxAttributesBytes ?? d.limits.attributesBytes,
  };
  const refreshIntervalSeconds = p.refreshIntervalSeconds ?? d.refreshIntervalSeconds;
  timerMs(refreshIntervalSeconds * 1000, "participants.refresh_interval");
  const maxRequestBytes = positive(file.maxRequestBytes ?? CONFIG_DEFAULTS.maxRequestBytes, "max_request_bytes", 1);
  const largestUpdate = limits.nameBytes + limits.metadataBytes + limits.attributesBytes;
  if (maxRequestBytes < largestUpdate) {
    throw new ConfigError(`max_request_bytes (${maxRequestBytes}) is smaller than the largest participant update the limits allow (${largestUpdate} bytes)`);
  }
  const maxTokenBytes = t.maxTokenBytes ?? CONFIG_DEFAULTS.maxTokenBytes;
  if (maxRequestBytes < maxTokenBytes + REQUEST_HEADROOM_BYTES) {
    throw new ConfigError(
      `max_request_bytes (${maxRequestBytes}) must exceed tokens.max_token_bytes (${maxTokenBytes}) by at least ${REQUEST_HEADROOM_BYTES} bytes, so an oversize token is refused as token_malformed`,
    );
  }

  // Contract §5: dev data is throw-away unless --data names a place for it. Made last, so a
  // configuration error never leaves an empty temporary directory behind; not made with Redis,
  // which holds the data instead (the directory is then never opened).
  const dataDir = dev && redisUrl === undefined
    ? (flags.data ?? input.makeTempDir())
    : (flags.data ?? envValue(env, "ROOMGATE_DATA_DIR") ?? file.dataDir ?? CONFIG_DEFAULTS.dataDir);
  const config: ServerConfig = {
    dev,
    grpcAddr,
    httpAddr,
    dataDir,
    keys,
    clients,
    mint: { defaultTtlSeconds, maxTtlSeconds },
    policy: {
      leewaySeconds: t.leewaySeconds ?? CONFIG_DEFAULTS.leewaySeconds,
      maxTokenBytes,
    },
    participants: {
      refreshIntervalSeconds,
      refreshTtlSeconds: p.refreshTtlSeconds ?? d.refreshTtlSeconds,
      limits,
      watchBuffer: p.watchBuffer ?? d.watchBuffer,
      maxWatchersPerParticipant: p.maxWatchersPerParticipant ?? d.maxWatchersPerParticipant,
      maxWatchStreams: p.maxWatchStreams ?? d.maxWatchStreams,
      maxWatchPendingBytes: p.maxWatchPendingBytes ?? d.maxWatchPendingBytes,
    },
    logLevel,
    maxRequestBytes,
    connections: connectionSettings(file.connections),
  };
  if (redisUrl !== undefined) {
    config.redis = {
      url: redisUrl,
      keyPrefix: file.redisKeyPrefix ?? REDIS_DEFAULTS.keyPrefix,
      timeoutMs: timerMs(file.redisTimeoutMs ?? REDIS_DEFAULTS.timeoutMs, "redis_timeout"),
      maxStalenessMs: timerMs(file.redisMaxStalenessMs ?? REDIS_DEFAULTS.maxStalenessMs, "redis_max_staleness"),
      streamMaxLen: file.redisStreamMaxLen ?? REDIS_DEFAULTS.streamMaxLen,
    };
    if (sentinel) config.redis.sentinel = sentinel;
  }
  const auditLog = flags.auditLog ?? envValue(env, "ROOMGATE_AUDIT_LOG") ?? file.auditLog;
  if (auditLog !== undefined) config.auditLog = auditLog;
  if (file.auditFsync !== undefined) config.auditFsync = file.auditFsync;
  if (file.instanceId !== undefined) config.instanceId = file.instanceId;
  if (file.metrics !== undefined) config.metrics = file.metrics;
  if (file.metricsAddr !== undefined) config.metricsAddr = listenAddress(dev, [file.metricsAddr, fileOrigin("metrics_addr")]);
  if (configPath !== undefined) config.configFile = configPath;
  return config;
}
