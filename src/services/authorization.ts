import { grantMissing, RoomgateError } from "../core/errors.js";
import type { VerifiedToken } from "../core/jwt.js";
import type { CallContext } from "../transport/call-context.js";
import type { TokenVerifier } from "./token-verifier.js";

/** Verifies the caller's bearer token; no token is `caller_unauthenticated`, a bad one keeps its `token_*` reason. */
export async function authenticateCaller(verifier: TokenVerifier, ctx: CallContext): Promise<VerifiedToken> {
  if (!ctx.credential) throw new RoomgateError("caller_unauthenticated");
  return (await verifier.verify(ctx.credential)).token;
}

/** Whether a verified token is LiveKit's room admin for `room` (EnsureAdminPermission: exact room match). */
export function isRoomAdmin(t: VerifiedToken, room: string): boolean {
  const v = t.grants.video;
  return v?.roomAdmin === true && v.room === room;
}

/** Authenticates the caller and requires `roomAdmin` for `room`; runs before any lookup so NOT_FOUND reveals nothing. */
export async function authorizeRoomAdmin(verifier: TokenVerifier, ctx: CallContext, room: string): Promise<VerifiedToken> {
  const t = await authenticateCaller(verifier, ctx);
  if (!isRoomAdmin(t, room)) throw grantMissing("roomAdmin", room);
  return t;
}

/** Authorizes a watch of (room, identity): the room's admin, or the participant itself with a valid token of its own. */
export async function authorizeWatcher(verifier: TokenVerifier, ctx: CallContext, room: string, identity: string): Promise<VerifiedToken> {
  const t = await authenticateCaller(verifier, ctx);
  // The verifier already refused a revoked or expired own token, so "self" means a live participant token.
  const self = t.identity !== "" && t.identity === identity && t.grants.video?.room === room;
  if (!self && !isRoomAdmin(t, room)) throw grantMissing("roomAdmin", room);
  return t;
}
