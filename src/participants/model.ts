import { applyPermission, samePermission, toPermission, type JsonObject, type ParticipantPermission, type VideoGrant } from "../core/grants.js";
import type { VerifiedToken } from "../core/jwt.js";
import { effectiveVideo, issuedAtOrBefore } from "../core/live-state.js";

/** The latest permission an admin set, and the Unix second of that update. */
export interface AdminPermission {
  permission: ParticipantPermission;
  /** Tokens issued at or before this second (`iat`, else `nbf`) are evaluated with `permission`. */
  atSec: number;
}

/** Whether a participant is in its room. */
export type ParticipantStateName = "active" | "removed";

/** One identity in one room, as the registry keeps it. */
export interface ParticipantRecord {
  room: string;
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  /** The join token's `kind` claim as written ("" when it had none). */
  kind: string;
  /** The current session's video grant: the join token's, with any admin permission that governs it applied. */
  video: VideoGrant;
  /**
   * The latest admin permission; kept across removal and rejoin. It governs the session it was set in and
   * every token issued at or before its second; a join with a later token starts from that token's grants.
   */
  adminPermission?: AdminPermission;
  /** The join token's `roomConfig`, copied into refreshed tokens. */
  roomConfig?: JsonObject;
  /** The join token's `roomPreset`, copied into refreshed tokens. */
  roomPreset?: string;
  state: ParticipantStateName;
  joinedAtMs: number;
  updatedAtMs: number;
  /** Starts at 1 and grows by one with every stored change (optimistic concurrency). */
  version: number;
  /** `exp` of the join token, in Unix seconds; refreshed tokens live at least that long. */
  joinExpiresAt: number;
}

/** What token verification needs to know about one (room, identity). */
export interface LiveEntry {
  room: string;
  identity: string;
  /** Present only when an admin set the permission. */
  permission?: ParticipantPermission;
  /** The Unix second of that admin update. */
  permissionAtSec?: number;
  /** Tokens issued at or before this Unix second are revoked. */
  revokedThrough?: number;
  /** Version of the participant record the permission came from (0 when there is none). */
  version: number;
}

/**
 * The in-memory map key of a (room, identity) pair: the room's length, a
 * colon, the room, then the identity. The length says where the room ends, so
 * two different pairs never share a key, and it costs a concatenation rather
 * than a JSON.stringify on every verification. Never stored: stores keep
 * their own encodings.
 */
export function participantKey(room: string, identity: string): string {
  return `${room.length}:${room}${identity}`;
}

/** The (room, identity) pair a `participantKey` was made from. */
export function parseParticipantKey(key: string): { room: string; identity: string } {
  const colon = key.indexOf(":");
  const end = colon + 1 + Number(key.slice(0, colon));
  return { room: key.slice(colon + 1, end), identity: key.slice(end) };
}

/** A deep copy, so stores and callers never share mutable state. */
export function cloneRecord(r: ParticipantRecord): ParticipantRecord {
  return structuredClone(r);
}

/**
 * The record a join stores (contract §9, latest decision wins): the candidate
 * built from the join token, whose grants start the session, except when the
 * token was issued (`issuedAtSec`: `iat`, else `nbf`) at or before the latest
 * admin update, which then governs it. The admin permission is kept either way,
 * for older tokens; the version continues from the old record and a
 * participant that never left keeps its join time.
 */
export function mergeJoin(existing: ParticipantRecord | undefined, candidate: ParticipantRecord, issuedAtSec: number | undefined): ParticipantRecord {
  const next = cloneRecord(candidate);
  next.state = "active";
  next.version = (existing?.version ?? 0) + 1;
  delete next.adminPermission;
  // A reconnect of a participant that never left keeps its original join time.
  if (existing?.state === "active") next.joinedAtMs = existing.joinedAtMs;
  const admin = existing?.adminPermission;
  if (admin) {
    next.adminPermission = structuredClone(admin);
    if (issuedAtOrBefore(issuedAtSec, admin.atSec)) next.video = applyPermission(candidate.video, admin.permission);
  }
  return next;
}

/**
 * Whether a token issued at `issuedSec` (its `iat`, else `nbf`) is revoked by
 * `revokedThrough`; a token with neither cannot prove it came after the revocation.
 * The same rule as the token verifier's, so a store refuses exactly what verification would.
 */
export function isRevoked(issuedSec: number | undefined, revokedThrough: number | undefined): boolean {
  return issuedAtOrBefore(issuedSec, revokedThrough);
}

/** The session's video as a token issued at `issuedAtSec` may use it: an admin update that covers the token wins. */
export function videoForToken(r: ParticipantRecord, issuedAtSec: number | undefined): VideoGrant {
  const admin = r.adminPermission;
  // The same rule VerifyToken applies from the live index, here read from the record.
  return admin ? (effectiveVideo(r.video, issuedAtSec, { permission: admin.permission, permissionAtSec: admin.atSec }) ?? r.video) : r.video;
}

/**
 * Whether the current session of `r` runs on a newer decision than the one that governs a token
 * issued at `issuedAtSec`: an admin update covers the token, but the session began from a later
 * join token with another permission. Such a token may not receive the session's tokens.
 */
export function sessionOutranksToken(r: ParticipantRecord, issuedAtSec: number | undefined): boolean {
  const governed = videoForToken(r, issuedAtSec);
  return governed !== r.video && !samePermission(toPermission(governed), toPermission(r.video));
}

/** The record after a removal at `nowMs`. */
export function markRemoved(existing: ParticipantRecord, nowMs: number): ParticipantRecord {
  return { ...cloneRecord(existing), state: "removed", updatedAtMs: nowMs, version: existing.version + 1 };
}

/** The live entry for a record and its revocation watermark, or undefined when it would say nothing. */
export function liveEntryOf(r: ParticipantRecord | undefined, room: string, identity: string, revokedThrough: number | undefined): LiveEntry | undefined {
  const admin = r?.adminPermission;
  if (!admin && revokedThrough === undefined) return undefined;
  const entry: LiveEntry = { room, identity, version: r?.version ?? 0 };
  if (admin) {
    entry.permission = structuredClone(admin.permission);
    entry.permissionAtSec = admin.atSec;
  }
  if (revokedThrough !== undefined) entry.revokedThrough = revokedThrough;
  return entry;
}

/** The record a verified join token describes, before the store merges it with what it holds. */
export function joinCandidate(t: VerifiedToken, room: string, nowMs: number): ParticipantRecord {
  const g = t.grants;
  const r: ParticipantRecord = {
    room,
    identity: t.identity,
    name: g.name ?? "",
    metadata: g.metadata ?? "",
    attributes: { ...g.attributes },
    kind: g.kind ?? "",
    video: structuredClone(g.video ?? {}),
    state: "active",
    joinedAtMs: nowMs,
    updatedAtMs: nowMs,
    version: 0,
    joinExpiresAt: t.expiresAt,
  };
  if (g.roomConfig !== undefined) r.roomConfig = structuredClone(g.roomConfig);
  if (g.roomPreset !== undefined) r.roomPreset = g.roomPreset;
  return r;
}
