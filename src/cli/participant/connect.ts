import { nowSeconds } from "../../core/clock.js";
import { createHmacKey } from "../../core/hmac-key.js";
import { mintToken } from "../../core/minting.js";
import { Code, RoomgateError } from "../../client/errors.js";
import { CliError, usageError, type CliContext, type RemoteParticipantService } from "../context.js";
import { serverAddress } from "../server-address.js";
import { localCredentials } from "../token/credentials.js";
import { remoteParticipantService } from "./remote.js";

/** Where `--server` points when neither the flag nor ROOMGATE_SERVER is set: `serve --dev`'s gRPC address. */
export const DEFAULT_SERVER = "127.0.0.1:7890";

/** livekit-server-sdk's RoomServiceClient signs its admin tokens for 10 minutes. */
export const ADMIN_TOKEN_TTL_SECONDS = 600;

/** The flags every participant subcommand takes. */
export const CONNECTION_OPTIONS = {
  url: { type: "string" },
  server: { type: "string" },
  token: { type: "string" },
  "api-key": { type: "string" },
  "api-secret": { type: "string" },
  room: { type: "string", short: "r" },
  help: { type: "boolean", short: "h" },
} as const;

/** The connection flags as parsed. */
export interface ConnectionFlags {
  url?: string;
  server?: string;
  token?: string;
  "api-key"?: string;
  "api-secret"?: string;
  room?: string;
}

/** `--room R`, or lk's positional ROOM for `list`; required. */
export function requireRoom(flag: string | undefined, positional: string | undefined, command: string): string {
  if (flag !== undefined && positional !== undefined && flag !== positional) throw usageError("the room is given twice (--room and ROOM)", command);
  const room = flag ?? positional;
  if (!room) throw usageError("missing --room", command);
  return room;
}

/** `--identity ID`, or lk's positional ID; required. */
export function requireIdentity(flag: string | undefined, positional: string | undefined, command: string): string {
  if (flag !== undefined && positional !== undefined && flag !== positional) throw usageError("the identity is given twice (--identity and ID)", command);
  const identity = flag ?? positional;
  if (!identity) throw usageError("missing --identity", command);
  return identity;
}

/** The bearer credential and, when this command signed it, the key it used (to explain a refusal). */
export interface AdminCredential {
  token: string;
  /** Set when the CLI minted the admin token itself from an API key and secret. */
  signedWith?: string;
}

/**
 * The bearer credential: --token; else an admin token minted here from
 * --api-key/--api-secret; else ROOMGATE_TOKEN; else one minted from
 * LIVEKIT_API_KEY/LIVEKIT_API_SECRET. The minted token is what
 * RoomServiceClient sends: roomAdmin for exactly this room, no identity.
 */
export function adminCredential(f: ConnectionFlags, room: string, ctx: CliContext, command: string): AdminCredential {
  const keyFlags = f["api-key"] !== undefined || f["api-secret"] !== undefined;
  if (f.token !== undefined) {
    if (keyFlags) throw usageError("--token and --api-key/--api-secret are mutually exclusive", command);
    if (!f.token) throw usageError("--token is empty", command);
    return { token: f.token };
  }
  if (!keyFlags && ctx.env.ROOMGATE_TOKEN) return { token: ctx.env.ROOMGATE_TOKEN };
  let key: { apiKey: string; apiSecret: string };
  try {
    key = localCredentials(f, ctx, command);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    throw usageError(
      "missing credentials: pass --api-key and --api-secret (or set LIVEKIT_API_KEY and LIVEKIT_API_SECRET), or an admin token with --token (or ROOMGATE_TOKEN)",
      command,
    );
  }
  const grants = { video: { roomAdmin: true, room } };
  const token = mintToken(createHmacKey(key.apiKey, key.apiSecret), { grants, ttlSeconds: ADMIN_TOKEN_TTL_SECONDS }, nowSeconds(ctx.clock)).token;
  return { token, signedWith: key.apiKey };
}

/** Whether `adminCredential` signs the admin token here (so it can sign a fresh one when it runs out). */
export function signsAdminToken(f: ConnectionFlags, ctx: CliContext): boolean {
  const keyFlags = f["api-key"] !== undefined || f["api-secret"] !== undefined;
  return f.token === undefined && (keyFlags || !ctx.env.ROOMGATE_TOKEN);
}

/**
 * The server the participant commands talk to: --url (lk's flag) or --server;
 * else ROOMGATE_SERVER; else LIVEKIT_URL (as lk reads it); else `serve --dev`'s
 * gRPC port. HOST:PORT is gRPC, an http(s):// URL is Twirp.
 */
export function participantServer(f: ConnectionFlags, ctx: CliContext, command: string): string {
  if (f.url !== undefined && f.server !== undefined) throw usageError("--url and --server name the same thing; pass one", command);
  if (f.url !== undefined) return serverAddress(f.url, command, "--url");
  if (f.server !== undefined) return serverAddress(f.server, command, "--server");
  if (ctx.env.ROOMGATE_SERVER) return serverAddress(ctx.env.ROOMGATE_SERVER, command, "ROOMGATE_SERVER");
  if (ctx.env.LIVEKIT_URL) return serverAddress(ctx.env.LIVEKIT_URL, command, "LIVEKIT_URL");
  return DEFAULT_SERVER;
}

// A refusal of a token the CLI signed itself is about the key, not about anything the user typed: say so.
function explainRefusal(err: unknown, credential: AdminCredential, room: string): never {
  const key = credential.signedWith;
  if (key !== undefined && err instanceof RoomgateError && (err.code === Code.UNAUTHENTICATED || err.code === Code.PERMISSION_DENIED)) {
    throw new RoomgateError(err.code, err.reason, `the server refused the admin token this command signed with API key "${key}" for room "${room}": ${err.message}`, err.field);
  }
  throw err;
}

/** Connects, runs `body`, and always closes the channel so the process can exit. */
export async function withParticipants<T>(
  f: ConnectionFlags, room: string, ctx: CliContext, command: string, body: (remote: RemoteParticipantService) => Promise<T>,
): Promise<T> {
  const address = participantServer(f, ctx, command);
  const credential = adminCredential(f, room, ctx, command);
  const remote = remoteParticipantService(await ctx.connect({ address }), credential.token);
  try {
    return await body(remote);
  } catch (err) {
    return explainRefusal(err, credential, room);
  } finally {
    remote.close();
  }
}
