import { isScalar, isSeq, type Node, type YAMLSeq } from "yaml";
import { parseCredentialHash, type ClientCredential } from "../core/credentials.js";
import { parseDuration } from "../core/duration.js";
import type { MintPolicy } from "../core/mint-policy.js";
import type { LogLevel } from "../log.js";
import { ConfigError } from "./config-error.js";
import { keysFromYaml } from "./key-file.js";
import { mintPolicyFromYaml } from "./mint-policy-config.js";
import { sentinelFromYaml } from "./redis-sentinel-config.js";
import type { SentinelSettings } from "../participants/redis/connection.js";
import { isLogLevel } from "./values.js";
import { isPlainKeyName, mapEntries, parseYaml, scalarText, type MapEntry, type YamlSource } from "./yaml-source.js";

/** Token lifetime and size settings from the `tokens:` section. */
export interface FileTokenSettings {
  defaultTtlSeconds?: number;
  maxTtlSeconds?: number;
  leewaySeconds?: number;
  maxTokenBytes?: number;
}

/** Participant settings from the `participants:` section. */
export interface FileParticipantSettings {
  refreshIntervalSeconds?: number;
  refreshTtlSeconds?: number;
  maxNameBytes?: number;
  maxMetadataBytes?: number;
  maxAttributesBytes?: number;
  watchBuffer?: number;
  maxWatchersPerParticipant?: number;
  maxWatchStreams?: number;
  maxWatchPendingBytes?: number;
}

/** Connection settings from the `connections:` section, in seconds. */
export interface FileConnectionSettings {
  maxConnections?: number;
  httpHeaderTimeoutSeconds?: number;
  httpRequestTimeoutSeconds?: number;
  httpIdleTimeoutSeconds?: number;
  grpcIdleTimeoutSeconds?: number;
  grpcKeepaliveTimeSeconds?: number;
  grpcKeepaliveTimeoutSeconds?: number;
  grpcMaxConnectionAgeSeconds?: number;
  grpcMaxConnectionAgeGraceSeconds?: number;
}

/** A validated config file; absent keys stay undefined so defaults and other sources can fill them. */
export interface FileConfig {
  grpcAddr?: string;
  httpAddr?: string;
  dataDir?: string;
  redisUrl?: string;
  redisKeyPrefix?: string;
  redisTimeoutMs?: number;
  redisMaxStalenessMs?: number;
  redisStreamMaxLen?: number;
  redisSentinel?: SentinelSettings;
  keys?: Map<string, string>;
  keyFile?: string;
  defaultKey?: string;
  clients?: ClientCredential[];
  tokens?: FileTokenSettings;
  participants?: FileParticipantSettings;
  connections?: FileConnectionSettings;
  logLevel?: LogLevel;
  maxRequestBytes?: number;
  auditLog?: string;
  auditFsync?: boolean;
  instanceId?: string;
  metrics?: boolean;
  metricsAddr?: string;
}

type Reader<T> = (src: YamlSource, e: MapEntry, path: string) => T;

const text: Reader<string> = (src, e, path) => {
  const v = scalarText(e.value);
  if (v === undefined || v === "") throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a non-empty string`);
  return v;
};

// Durations are Go-style strings: a bare number would be ambiguous (Go reads it as nanoseconds).
const seconds =
  (min: number): Reader<number> =>
  (src, e, path) => {
    const ms = isScalar(e.value) && typeof e.value.value === "string" ? parseDuration(e.value.value) : undefined;
    if (ms === undefined) throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a duration like "6h" or "90s"`);
    if (ms % 1000 !== 0 || ms / 1000 < min) {
      throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be whole seconds, at least ${min}s`);
    }
    return ms / 1000;
  };

// Redis bounds are shorter than a second in tests and in tight deployments, so they keep milliseconds.
const millis =
  (min: number): Reader<number> =>
  (src, e, path) => {
    const ms = isScalar(e.value) && typeof e.value.value === "string" ? parseDuration(e.value.value) : undefined;
    if (ms === undefined) throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a duration like "2s" or "500ms"`);
    if (!Number.isSafeInteger(ms) || ms < min) throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be whole milliseconds, at least ${min}ms`);
    return ms;
  };

const bytes: Reader<number> = (src, e, path) => {
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a positive whole number of bytes`);
  }
  return v;
};

const count: Reader<number> = (src, e, path) => {
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a positive whole number`);
  }
  return v;
};

const logLevel: Reader<LogLevel> = (src, e, path) => {
  const v = scalarText(e.value);
  if (v === undefined || !isLogLevel(v)) throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be one of debug, info, warn, error`);
  return v;
};

const flag: Reader<boolean> = (src, e, path) => {
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (typeof v !== "boolean") throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be true or false`);
  return v;
};

const keys: Reader<Map<string, string>> = (src, e, path) => keysFromYaml(src, e.value, path);

const clientPolicy: Reader<MintPolicy> = (src, e, path) => mintPolicyFromYaml(src, e.value, path);

const clients: Reader<ClientCredential[]> = (src, e, path) => {
  const node = e.value;
  if (!isSeq(node)) {
    throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a list of {name, sha256}`);
  }
  const seen = new Set<string>();
  return (node as YAMLSeq<Node>).items.map((item, i) => {
    const entry = readSection(src, item, `${path}[${i}]`, { name: text, sha256: text, policy: clientPolicy });
    if (entry.name === undefined || entry.sha256 === undefined) {
      throw new ConfigError(`${src.where(item)}: ${path}[${i}] needs both name and sha256`);
    }
    if (seen.has(entry.name)) throw new ConfigError(`${src.where(item)}: client "${entry.name}" is listed twice`);
    seen.add(entry.name);
    try {
      const client = parseCredentialHash(entry.name, entry.sha256);
      return entry.policy ? { ...client, policy: entry.policy } : client;
    } catch {
      throw new ConfigError(`${src.where(item)}: client "${entry.name}": sha256 must be 64 hex digits (the SHA-256 of the credential, not the credential)`);
    }
  });
};

type Schema = Record<string, Reader<unknown>>;
type Parsed<S extends Schema> = { [K in keyof S]?: S[K] extends Reader<infer T> ? T : never };

function readSection<S extends Schema>(src: YamlSource, node: Node | null, path: string, schema: S): Parsed<S> {
  const entries = mapEntries(src, node, path || "the config file");
  const unknown = entries.filter((e) => !Object.hasOwn(schema, e.key));
  if (unknown.length > 0) {
    // A mis-indented `APIa:secret` lands here as a key, so only plain names are quoted.
    const names = unknown.map((e) => (isPlainKeyName(e.key) ? `"${path ? `${path}.` : ""}${e.key}"` : "(an entry that is not a plain name)")).join(", ");
    throw new ConfigError(`${src.where(unknown[0]!.keyNode)}: unknown key${unknown.length > 1 ? "s" : ""} ${names} (known: ${Object.keys(schema).join(", ")})`);
  }
  const out: Record<string, unknown> = {};
  for (const e of entries) out[e.key] = schema[e.key]!(src, e, path ? `${path}.${e.key}` : e.key);
  return out as Parsed<S>;
}

const TOKENS = { default_ttl: seconds(1), max_ttl: seconds(1), leeway: seconds(0), max_token_bytes: bytes };
const PARTICIPANTS = {
  refresh_interval: seconds(1),
  refresh_ttl: seconds(1),
  max_name_bytes: bytes,
  max_metadata_bytes: bytes,
  max_attributes_bytes: bytes,
  watch_buffer: count,
  max_watchers_per_participant: count,
  max_watch_streams: count,
  max_watch_pending_bytes: bytes,
};
const CONNECTIONS = {
  max_connections: count,
  http_header_timeout: seconds(1),
  http_request_timeout: seconds(1),
  http_idle_timeout: seconds(1),
  grpc_idle_timeout: seconds(1),
  grpc_keepalive_time: seconds(1),
  grpc_keepalive_timeout: seconds(1),
  grpc_max_connection_age: seconds(0),
  grpc_max_connection_age_grace: seconds(0),
};
const TOP = {
  grpc_addr: text,
  http_addr: text,
  data_dir: text,
  redis_url: text,
  redis_key_prefix: text,
  redis_timeout: millis(1),
  redis_max_staleness: millis(0),
  redis_stream_max_len: bytes,
  redis_sentinel: sentinelFromYaml,
  keys,
  key_file: text,
  default_key: text,
  clients,
  tokens: (src: YamlSource, e: MapEntry, path: string) => readSection(src, e.value, path, TOKENS),
  participants: (src: YamlSource, e: MapEntry, path: string) => readSection(src, e.value, path, PARTICIPANTS),
  connections: (src: YamlSource, e: MapEntry, path: string) => readSection(src, e.value, path, CONNECTIONS),
  log_level: logLevel,
  max_request_bytes: bytes,
  audit_log: text,
  audit_fsync: flag,
  instance_id: text,
  metrics: flag,
  metrics_addr: text,
};

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Parses and validates a YAML config file (snake_case keys). Unknown keys are
 * an error that names them; errors carry `fileName:line`.
 */
export function parseConfigFile(textContent: string, fileName: string): FileConfig {
  const src = parseYaml(textContent, fileName);
  if (src.contents === null) return {};
  const p = readSection(src, src.contents, "", TOP);
  const out: FileConfig = defined({
    grpcAddr: p.grpc_addr,
    httpAddr: p.http_addr,
    dataDir: p.data_dir,
    redisUrl: p.redis_url,
    redisKeyPrefix: p.redis_key_prefix,
    redisTimeoutMs: p.redis_timeout,
    redisMaxStalenessMs: p.redis_max_staleness,
    redisStreamMaxLen: p.redis_stream_max_len,
    redisSentinel: p.redis_sentinel,
    keys: p.keys,
    keyFile: p.key_file,
    defaultKey: p.default_key,
    clients: p.clients,
    logLevel: p.log_level,
    maxRequestBytes: p.max_request_bytes,
    auditLog: p.audit_log,
    auditFsync: p.audit_fsync,
    instanceId: p.instance_id,
    metrics: p.metrics,
    metricsAddr: p.metrics_addr,
  });
  if (p.tokens) {
    out.tokens = defined({
      defaultTtlSeconds: p.tokens.default_ttl,
      maxTtlSeconds: p.tokens.max_ttl,
      leewaySeconds: p.tokens.leeway,
      maxTokenBytes: p.tokens.max_token_bytes,
    });
  }
  if (p.participants) {
    out.participants = defined({
      refreshIntervalSeconds: p.participants.refresh_interval,
      refreshTtlSeconds: p.participants.refresh_ttl,
      maxNameBytes: p.participants.max_name_bytes,
      maxMetadataBytes: p.participants.max_metadata_bytes,
      maxAttributesBytes: p.participants.max_attributes_bytes,
      watchBuffer: p.participants.watch_buffer,
      maxWatchersPerParticipant: p.participants.max_watchers_per_participant,
      maxWatchStreams: p.participants.max_watch_streams,
      maxWatchPendingBytes: p.participants.max_watch_pending_bytes,
    });
  }
  if (p.connections) {
    const c = p.connections;
    out.connections = defined({
      maxConnections: c.max_connections,
      httpHeaderTimeoutSeconds: c.http_header_timeout,
      httpRequestTimeoutSeconds: c.http_request_timeout,
      httpIdleTimeoutSeconds: c.http_idle_timeout,
      grpcIdleTimeoutSeconds: c.grpc_idle_timeout,
      grpcKeepaliveTimeSeconds: c.grpc_keepalive_time,
      grpcKeepaliveTimeoutSeconds: c.grpc_keepalive_timeout,
      grpcMaxConnectionAgeSeconds: c.grpc_max_connection_age,
      grpcMaxConnectionAgeGraceSeconds: c.grpc_max_connection_age_grace,
    });
  }
  return out;
}
