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
}

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
  /** Redis URL for shared state across instances; when set, `redis` holds the resolved settings. */
  redisUrl?: string;
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
}

/** Default participant settings, LiveKit's values. */
export const DEFAULT_PARTICIPANT_SETTINGS: ParticipantSettings = {
  refreshIntervalSeconds: 300,
  refreshTtlSeconds: 600,
  limits: { nameBytes: 256, metadataBytes: 512 * 1024, attributesBytes: 64 * 1024 },
};
