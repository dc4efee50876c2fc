import { applyPermission, toPermission, type JsonObject, type ParticipantPermission, type VideoGrant } from "../core/grants.js";
import type { VerifiedToken } from "../core/jwt.js";

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
  /** The join token's video grant, with any admin permission change applied. */
  video: VideoGrant;
  /** An admin set the permission; a later join keeps it instead of the token's. */
  permissionSetByAdmin: boolean;
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

/** A deep copy, so stores and callers never share mutable state. */
export function cloneRecord(r: ParticipantRecord): ParticipantRecord {
  return structuredClone(r);
}

/**
 * The record a join stores: the candidate built from the join token, except
 * that a participant an admin already updated keeps the admin's permission
 * (contract §3 JoinRoom, §4), the version continues from the old record and
 * a participant that never left keeps its join time.
 */
export function mergeJoin(existing: ParticipantRecord | undefined, candidate: ParticipantRecord): ParticipantRecord {
  const next = cloneRecord(candidate);
  next.state = "active";
  next.version = (existing?.version ?? 0) + 1;
  next.permissionSetByAdmin = false;
  // A reconnect of a participant that never left keeps its original join time.
  if (existing?.state === "active") next.joinedAtMs = existing.joinedAtMs;
  if (existing?.permissionSetByAdmin) {
    next.video = applyPermission(candidate.video, toPermission(existing.video));
    next.permissionSetByAdmin = true;
  }
  return next;
}

/**
 * Whether a token issued at `issuedSec` (its `iat`, else `nbf`) is revoked by
 * `revokedThrough`; a token with neither cannot prove it came after the revocation.
 * The same rule as the token verifier's, so a store refuses exactly what verification would.
 */
export function isRevoked(issuedSec: number | undefined, revokedThrough: number | undefined): boolean {
  if (revokedThrough === undefined) return false;
  return issuedSec === undefined || Math.floor(issuedSec) <= revokedThrough;
}

/** The record after a removal at `nowMs`. */
export function markRemoved(existing: ParticipantRecord, nowMs: number): ParticipantRecord {
  return { ...cloneRecord(existing), state: "removed", updatedAtMs: nowMs, version: existing.version + 1 };
}

/** The live entry for a record and its revocation watermark, or undefined when it would say nothing. */
export function liveEntryOf(r: ParticipantRecord | undefined, room: string, identity: string, revokedThrough: number | undefined): LiveEntry | undefined {
  const admin = r?.permissionSetByAdmin === true;
  if (!admin && revokedThrough === undefined) return undefined;
  const entry: LiveEntry = { room, identity, version: r?.version ?? 0 };
  if (admin && r) entry.permission = toPermission(r.video);
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
    permissionSetByAdmin: false,
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
