import type { RedisSettings } from "../participants/redis/connection.js";
import type { ClientCredential } from "../core/credentials.js";
import type { TokenPolicy } from "../core/jwt.js";
import type { MintLimits } from "../core/minting.js";

/** Size limits on participant fields (LiveKit's defaults: 256 B, 512 KiB, 64 KiB). */
export interface ParticipantLimits {
  nameBytes: number;
  metadataBytes: number;
  /** Total of attribute key and value bytes. */
  attributesBytes: number;
}

/** Participant-plane settings. */
export interface ParticipantSettings {
  /** How often an active, watched participant gets a fresh token (LiveKit: 5 min). */
  refreshIntervalSeconds: number;
  /** Shortest lifetime of a refreshed token (LiveKit: 10 min). */
  refreshTtlSeconds: number;
  limits: ParticipantLimits;
  /** Events a watch stream holds for a client that does not read; past it they coalesce into the newest. */
  watchBuffer: number;
  /** Open WatchParticipant streams per watched participant, per process. */
  maxWatchersPerParticipant: number;
  /** Open WatchParticipant streams per process. */
  maxWatchStreams: number;
  /** Bytes of watch responses handed to HTTP/2 and not yet sent, per process; past it new watches are refused. */
  maxWatchPendingBytes: number;
}

/**
 * Bounds on connections, so idle, slow or dead peers cannot pin sockets
 * forever (config section `connections:`). Durations in milliseconds.
 */
export interface ConnectionSettings {
  /** Open connections per listener (gRPC and HTTP each); more are closed on accept. */
  maxConnections: number;
  /** HTTP: time to receive a request's complete headers (slowloris). */
  httpHeaderTimeoutMs: number;
  /** HTTP: time to receive a whole request; also the socket inactivity limit while one is served. */
  httpRequestTimeoutMs: number;
  /** HTTP: how long an idle keep-alive connection stays open. */
  httpIdleTimeoutMs: number;
  /** gRPC: a connection without an open call for this long is closed (GOAWAY). */
  grpcIdleTimeoutMs: number;
  /** gRPC: interval of the server's keepalive pings. */
  grpcKeepaliveTimeMs: number;
  /** gRPC: a ping unanswered for this long drops the connection. */
  grpcKeepaliveTimeoutMs: number;
  /** gRPC: connections older than this are asked to reconnect (GOAWAY); 0 = no limit. */
  grpcMaxConnectionAgeMs: number;
  /** gRPC: after the age GOAWAY, calls still open after this long are cut; 0 = they may finish. */
  grpcMaxConnectionAgeGraceMs: number;
}

/** Connection limits used when the config sets none. */
export const DEFAULT_CONNECTION_SETTINGS: ConnectionSettings = {
  maxConnections: 4096,
  httpHeaderTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  httpIdleTimeoutMs: 30_000,
  grpcIdleTimeoutMs: 300_000,
  grpcKeepaliveTimeMs: 60_000,
  grpcKeepaliveTimeoutMs: 20_000,
  grpcMaxConnectionAgeMs: 0,
  grpcMaxConnectionAgeGraceMs: 0,
};

/** Where API keys come from; kept so a reload (SIGHUP) can read them again. */
export interface KeySources {
  /** Keys given inline (config file `keys:`, LIVEKIT_KEYS, LIVEKIT_API_KEY/SECRET, --dev). */
  inline: Map<string, string>;
  /** A LiveKit-format YAML key file (`key: secret` per line), re-read on reload. */
  keyFile?: string;
  /** The default signing key; else the lexicographically first. */
  defaultKey?: string;
  /** Accept secrets shorter than 32 bytes (only --dev). */
  allowShortSecrets: boolean;
}

/** Everything `roomgate serve` needs, fully resolved from file, environment and flags. */
export interface ServerConfig {
  dev: boolean;
  /** host:port for gRPC; port 0 picks a free one. */
  grpcAddr: string;
  /** host:port for Twirp over HTTP/1.1; port 0 picks a free one. */
  httpAddr: string;
  /** Directory of the embedded store. */
  dataDir: string;
  /** Participants, watermarks and events live in Redis (contract §10) instead of `dataDir`. */
  redis?: RedisSettings;
  keys: KeySources;
  /** The config file the settings were read from, if any; SIGHUP re-reads its `clients`. */
  configFile?: string;
  clients: ClientCredential[];
  mint: MintLimits;
  policy: TokenPolicy;
  participants: ParticipantSettings;
  logLevel: "debug" | "info" | "warn" | "error";
  /** Largest request body accepted over HTTP, in bytes. */
  maxRequestBytes: number;
  /** Connection limits and timeouts of both listeners. */
  connections: ConnectionSettings;
  /** Audit log (contract §11): a file path or "-" for stdout; absent writes none. */
  auditLog?: string;
  /** One fsync per audit line (default false: a write per line). */
  auditFsync?: boolean;
  /** Every audit line's `instance`; default `hostname:pid`. */
  instanceId?: string;
  /** Prometheus metrics and their counting (default true; false turns both off). */
  metrics?: boolean;
  /** Serves /metrics on this HOST:PORT instead of the HTTP port. */
  metricsAddr?: string;
}

/** Default participant settings, LiveKit's values. */
export const DEFAULT_PARTICIPANT_SETTINGS: ParticipantSettings = {
  refreshIntervalSeconds: 300,
  refreshTtlSeconds: 600,
  limits: { nameBytes: 256, metadataBytes: 512 * 1024, attributesBytes: 64 * 1024 },
  watchBuffer: 32,
  maxWatchersPerParticipant: 8,
  maxWatchStreams: 10_000,
  maxWatchPendingBytes: 64 * 1024 * 1024,
};
