import type { Clock } from "../core/clock.js";
import type { MintedToken } from "../core/minting.js";
import type { ClaimGrants, ParticipantPermission } from "../core/grants.js";
import type { VerifiedToken } from "../core/jwt.js";
import type { Env } from "../config/load-config.js";
import type { ReadFile } from "../config/key-file.js";
import type { ServerConfig } from "../config/server-config.js";
import type { RunningServer as Server, ServerDeps } from "../server.js";
import type { RoomgateClient, RoomgateClientOptions } from "../client/client.js";

/** What `serve` uses of a running server (src/server.ts): its ports, the key and client holders SIGHUP swaps, and close. */
export type RunningServer = Pick<Server, "grpcPort" | "httpPort" | "keys" | "clients" | "audit" | "close">;

/** Starts the gRPC and Twirp servers (src/server.ts) with the key ring loaded at start-up. */
export type StartServer = (config: ServerConfig, deps: Pick<ServerDeps, "logger" | "clock" | "keyRing">) => Promise<RunningServer>;

/** Signals `serve` reacts to. */
export type SignalName = "SIGHUP" | "SIGTERM" | "SIGINT";

/** What `token create|verify --server` needs from a running roomgate; implemented on roomgate/client. */
export interface RemoteTokenService {
  /** CreateToken with a client credential; the server picks the key when `apiKey` is empty. Rejects with the client's RoomgateError. */
  createToken(req: { grants: ClaimGrants; ttlSeconds: number; apiKey: string }, credential: string): Promise<MintedToken>;
  /** VerifyToken; rejects with the client's RoomgateError carrying the server's reason. */
  verifyToken(token: string): Promise<VerifiedToken>;
  close(): void;
}

/** A participant as the CLI shows it (decoded from roomgate.v1.Participant). */
export interface ParticipantView {
  room: string;
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  /** Lowercase kind name; empty when the token named none. */
  kind: string;
  state: "active" | "removed" | "unspecified";
  version: number;
  permission: ParticipantPermission;
  joinedAtMs: number;
  updatedAtMs: number;
}

/** One event of WatchParticipant. */
export interface WatchEvent {
  cause: "joined" | "updated" | "refreshed" | "removed" | "unspecified";
  participant: ParticipantView;
  /** Empty for `removed`. */
  token: string;
  /** Unix seconds; absent for `removed`. */
  expiresAt?: number;
}

/** The UpdateParticipant request as the CLI sends it (room, identity and wire defaults included); empty name/metadata leave them unchanged, LiveKit-style. */
export interface ParticipantUpdateRequest {
  room: string;
  identity: string;
  name: string;
  metadata: string;
  /** An empty value deletes the attribute. */
  attributes: Record<string, string>;
  /** When present, replaces the whole permission set. */
  permission?: ParticipantPermission;
}

/** An open WatchParticipant stream. */
export interface WatchHandle {
  /** Settles when the stream ends: resolves on a clean end or after `cancel`, rejects with the client's RoomgateError. */
  done: Promise<void>;
  cancel(): void;
}

/** What `participant …` needs from a running roomgate, every call carrying one bearer credential; implemented on roomgate/client. */
export interface RemoteParticipantService {
  /** JoinRoom with the participant's own token; returns the participant and its first refreshed token. */
  join(token: string): Promise<{ participant: ParticipantView; token: string; expiresAt?: number }>;
  list(room: string): Promise<ParticipantView[]>;
  get(room: string, identity: string): Promise<ParticipantView>;
  update(req: ParticipantUpdateRequest): Promise<ParticipantView>;
  remove(room: string, identity: string, revokeTokens: boolean): Promise<void>;
  watch(room: string, identity: string, onEvent: (e: WatchEvent) => void): WatchHandle;
  close(): void;
}

/**
 * Everything a command may touch. Only the entry point (main.ts) builds it
 * from the real process, so every command runs in-process under test.
 */
export interface CliContext {
  env: Env;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** When set, `serve` logs straight to this file descriptor (2 in the real process) instead of through `stderr`. */
  logFd?: number;
  clock: Clock;
  readFile: ReadFile;
  /** The package version, for --version. */
  version: string;
  /** This process's id, logged at start-up so operators know where to send SIGHUP. */
  pid: number;
  /** Creates a fresh temporary directory (the --dev data dir). */
  makeTempDir: () => string;
  /** Removes a directory tree (the --dev data dir on shutdown). */
  removeDir: (path: string) => void;
  /** Subscribes to a process signal; returns the unsubscribe function. */
  onSignal: (signal: SignalName, handler: () => void) => () => void;
  startServer: StartServer;
  /** Creates a roomgate/client for a server (HOST:PORT for gRPC, http(s):// for Twirp); loaded on demand. */
  connect: (options: RoomgateClientOptions) => Promise<RoomgateClient>;
  /**
   * Calls `handler` once this process is orphaned (its parent exited); only
   * wired in when a launcher that does not forward signals started it (npx, npm run).
   */
  onOrphaned?: (handler: () => void) => () => void;
}

/** A failure the CLI reports as `roomgate: <reason>: <message>` on stderr with a chosen exit code. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    /** 1 for a failed operation, 2 for a usage mistake. */
    readonly exitCode: 1 | 2 = 1,
    /** The command whose --help to point at, for usage mistakes. */
    readonly command?: string,
    /** The stable, scriptable part of the line: `usage` for usage mistakes. */
    readonly reason: string = exitCode === 2 ? "usage" : "failed",
  ) {
    super(message);
  }
}

/** A usage mistake (exit code 2, reason `usage`) that points at `roomgate <command> --help`. */
export function usageError(message: string, command: string): CliError {
  return new CliError(message, 2, command);
}
