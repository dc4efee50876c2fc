import { nowSeconds } from "../core/clock.js";
import { createHmacKey } from "../core/hmac-key.js";
import { mintToken } from "../core/minting.js";
import { CliError, usageError, type CliContext, type RemoteParticipantService } from "./context.js";
import { checkServerAddress, localCredentials } from "./token-credentials.js";

/** Where `--server` points when neither the flag nor ROOMGATE_SERVER is set: `serve --dev`'s gRPC address. */
export const DEFAULT_SERVER = "127.0.0.1:7890";

/** livekit-server-sdk's RoomServiceClient signs its admin tokens for 10 minutes. */
export const ADMIN_TOKEN_TTL_SECONDS = 600;

/** The flags every participant subcommand takes. */
export const CONNECTION_OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  "api-key": { type: "string" },
  "api-secret": { type: "string" },
  room: { type: "string", short: "r" },
  help: { type: "boolean", short: "h" },
} as const;

/** The connection flags as parsed. */
export interface ConnectionFlags {
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

/**
 * The bearer credential: --token; else an admin token minted here from
 * --api-key/--api-secret; else ROOMGATE_TOKEN; else one minted from
 * LIVEKIT_API_KEY/LIVEKIT_API_SECRET. The minted token is what
 * RoomServiceClient sends: roomAdmin for exactly this room, no identity.
 */
export function adminCredential(f: ConnectionFlags, room: string, ctx: CliContext, command: string): string {
  const keyFlags = f["api-key"] !== undefined || f["api-secret"] !== undefined;
  if (f.token !== undefined) {
    if (keyFlags) throw usageError("--token and --api-key/--api-secret are mutually exclusive", command);
    if (!f.token) throw usageError("--token is empty", command);
    return f.token;
  }
  if (!keyFlags && ctx.env.ROOMGATE_TOKEN) return ctx.env.ROOMGATE_TOKEN;
  let key: { apiKey: string; apiSecret: string };
  try {
    key = localCredentials(f, ctx);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    throw new CliError(
      "missing credentials: pass --api-key and --api-secret (or set LIVEKIT_API_KEY and LIVEKIT_API_SECRET), or an admin token with --token (or ROOMGATE_TOKEN)",
    );
  }
  const grants = { video: { roomAdmin: true, room } };
  return mintToken(createHmacKey(key.apiKey, key.apiSecret), { grants, ttlSeconds: ADMIN_TOKEN_TTL_SECONDS }, nowSeconds(ctx.clock)).token;
}

/** Whether `adminCredential` signs the admin token here (so it can sign a fresh one when it runs out). */
export function signsAdminToken(f: ConnectionFlags, ctx: CliContext): boolean {
  const keyFlags = f["api-key"] !== undefined || f["api-secret"] !== undefined;
  return f.token === undefined && (keyFlags || !ctx.env.ROOMGATE_TOKEN);
}

/** Opens the connection named by --server / ROOMGATE_SERVER with the caller's credential. */
export async function connectParticipants(f: ConnectionFlags, room: string, ctx: CliContext, command: string): Promise<RemoteParticipantService> {
  const fromEnv = f.server === undefined && !!ctx.env.ROOMGATE_SERVER;
  const address = f.server ?? (ctx.env.ROOMGATE_SERVER || DEFAULT_SERVER);
  checkServerAddress(address, command, fromEnv ? "ROOMGATE_SERVER" : "--server");
  const credential = adminCredential(f, room, ctx, command);
  if (!ctx.connectParticipantService) throw new CliError("participant commands are not available in this build: no gRPC client is wired in");
  return ctx.connectParticipantService(address, credential);
}

/** Connects, runs `body`, and always closes the channel so the process can exit. */
export async function withParticipants<T>(
  f: ConnectionFlags, room: string, ctx: CliContext, command: string, body: (remote: RemoteParticipantService) => Promise<T>,
): Promise<T> {
  const remote = await connectParticipants(f, room, ctx, command);
  try {
    return await body(remote);
  } finally {
    remote.close();
  }
}
