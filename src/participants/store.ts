import type { CommitStats } from "./group-commit.js";
import type { LiveEntry, ParticipantRecord } from "./model.js";

/** Outcome of an optimistic update. */
export type UpdateResult =
  | { status: "ok"; record: ParticipantRecord }
  /** The stored version was not the expected one; re-read and try again. */
  | { status: "conflict" }
  | { status: "missing" };

/** Outcome of a removal. */
export interface RemoveResult {
  record: ParticipantRecord;
  /** The watermark after the removal, when the identity has one. */
  revokedThrough?: number;
}

/**
 * Durable participant state. Every method is async so that a networked
 * implementation (Redis) can replace the embedded ones; every change is one
 * atomic step. Failures of the backing store throw `store_unavailable`.
 */
export interface ParticipantStore {
  /** The participant in any state, or undefined. */
  get(room: string, identity: string): Promise<ParticipantRecord | undefined>;
  /** Active participants of a room, ordered by identity. */
  listActive(room: string): Promise<ParticipantRecord[]>;
  /**
   * Inserts or re-activates a participant from a candidate record (see `mergeJoin`); returns what was stored.
   * `issuedAtSec` is the join token's `iat`, else `nbf`: at or below the identity's watermark the join is
   * refused with `token_revoked` in the same step, so a concurrent removal with revocation cannot be undone.
   */
  join(candidate: ParticipantRecord, issuedAtSec: number | undefined): Promise<ParticipantRecord>;
  /** Stores `next` with version `expectedVersion + 1` if the stored version is still `expectedVersion`. */
  update(next: ParticipantRecord, expectedVersion: number): Promise<UpdateResult>;
  /**
   * Marks an active participant removed and, with `revokeThroughSec`, raises its revocation watermark in the
   * same step. A participant that is not active (never joined, or already removed) is left as it is:
   * undefined, nothing changed (the watermark included; `revoke` raises it alone).
   */
  remove(room: string, identity: string, opts: { nowMs: number; revokeThroughSec?: number }): Promise<RemoveResult | undefined>;
  /** Raises the watermark of (room, identity) to at least `throughSec` and returns the result. */
  revoke(room: string, identity: string, throughSec: number): Promise<number>;
  /** The revocation watermark of (room, identity), if any. */
  revokedThrough(room: string, identity: string): Promise<number | undefined>;
  /** Everything token verification needs: admin permissions and watermarks. */
  loadLiveState(): Promise<LiveEntry[]>;
  /** Durable commits and the writes they acknowledged, for stores that batch writes (the bench reads it). */
  commitStats?(): CommitStats;
  /** How many participants are active in any room (the participants_active gauge); optional for stores that cannot count cheaply. */
  countActive?(): Promise<number>;
  /** Releases the backing store; later calls throw `store_unavailable`. */
  close(): Promise<void>;
}
