import { isCarriableJson, MAX_JSON_DEPTH } from "./claims-codec.js";
import { grantMissing, invalidArgument } from "./errors.js";
import { getCanPublish, getCanPublishData, getCanSubscribe, type ClaimGrants, type VideoGrant } from "./grants.js";
import { checkRoomConfigCredentials } from "./room-config.js";

/** What VerifyToken can require of a token (the proto's Grant enum, in domain form). */
export const REQUIREMENTS = [
  "roomJoin", "roomAdmin", "roomCreate", "roomList", "roomRecord", "ingressAdmin",
  "sipAdmin", "sipCall", "canPublish", "canSubscribe", "canPublishData",
] as const;
/** One requirement. */
export type Requirement = (typeof REQUIREMENTS)[number];

// Grants that only mean something inside one room; checked against the request's room when given.
const ROOM_SCOPED: ReadonlySet<Requirement> = new Set(["roomJoin", "roomAdmin", "canPublish", "canSubscribe", "canPublishData"]);

function holds(req: Requirement, g: ClaimGrants, video: VideoGrant): boolean {
  switch (req) {
    case "roomJoin": return video.roomJoin === true;
    case "roomAdmin": return video.roomAdmin === true;
    case "roomCreate": return video.roomCreate === true;
    case "roomList": return video.roomList === true;
    case "roomRecord": return video.roomRecord === true;
    case "ingressAdmin": return video.ingressAdmin === true;
    case "sipAdmin": return g.sip?.admin === true;
    case "sipCall": return g.sip?.call === true;
    // Media permissions only exist for a participant that may join; tri-state defaults apply.
    case "canPublish": return video.roomJoin === true && getCanPublish(video);
    case "canSubscribe": return video.roomJoin === true && getCanSubscribe(video);
    case "canPublishData": return video.roomJoin === true && getCanPublishData(video);
  }
}

/**
 * Checks that the grants allow every requirement; room-scoped ones must also
 * name `room` exactly (LiveKit's EnsureAdminPermission rule) when `room` is set.
 * `video` is the effective video grant (after live updates).
 */
export function checkRequirements(g: ClaimGrants, video: VideoGrant | undefined, required: readonly Requirement[], room: string): void {
  const v = video ?? {};
  for (const req of required) {
    if (!holds(req, g, v)) throw grantMissing(req, ROOM_SCOPED.has(req) && room ? room : undefined);
    if (room && ROOM_SCOPED.has(req) && v.room !== room) throw grantMissing(req, room);
  }
}

/**
 * Validates the grants of a token about to be minted: join needs identity,
 * join/admin need room, and roomConfig must be something verification accepts,
 * so roomgate never mints a token it would then refuse, and carries no egress storage credentials.
 */
export function validateMintGrants(g: ClaimGrants): void {
  if (g.roomConfig !== undefined && !isCarriableJson(g.roomConfig)) {
    throw invalidArgument("claims.room_config", `must nest at most ${MAX_JSON_DEPTH} levels and hold only finite numbers`);
  }
  if (g.roomConfig !== undefined) checkRoomConfigCredentials(g.roomConfig);
  const v = g.video;
  if (v?.roomJoin && !g.identity) throw invalidArgument("claims.identity", "is required with a roomJoin grant");
  if ((v?.roomJoin || v?.roomAdmin) && !v.room) throw invalidArgument("claims.video.room", "is required with a roomJoin or roomAdmin grant");
}
