import { grantMissing, RoomgateError } from "../core/errors.js";
import type { VideoGrant } from "../core/grants.js";
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

/**
 * Requires that a watcher may watch (room, identity): `roomAdmin` for the room, or the
 * participant itself with `roomJoin` for the room (contract §9: an admin-only or
 * subscribe-only token of the identity is not enough). `video` is the grant after live
 * permission updates, so a stream re-checked later judges what holds then.
 */
export function requireWatchGrant(t: VerifiedToken, video: VideoGrant | undefined, room: string, identity: string): void {
  if (video?.roomAdmin === true && video.room === room) return;
  const self = t.identity !== "" && t.identity === identity && video?.room === room;
  if (!self) throw grantMissing("roomAdmin", room);
  if (video.roomJoin !== true) throw grantMissing("roomJoin", room);
}

/** Requires `roomJoin` for `room` (RefreshToken: only a join token buys a join token). */
export function requireJoinGrant(video: VideoGrant | undefined, room: string): void {
  if (video?.roomJoin !== true || video.room !== room) throw grantMissing("roomJoin", room);
}

/** Authorizes a watch of (room, identity) (see `requireWatchGrant`); returns the caller's verified token. */
export async function authorizeWatcher(verifier: TokenVerifier, ctx: CallContext, room: string, identity: string): Promise<VerifiedToken> {
  if (!ctx.credential) throw new RoomgateError("caller_unauthenticated");
  // The verifier refuses a revoked or expired token, so what passes here is live now.
  const access = await verifier.verify(ctx.credential);
  requireWatchGrant(access.token, access.effectiveVideo, room, identity);
  return access.token;
}
