import { applyPermission, type ParticipantPermission, type VideoGrant } from "./grants.js";

/** What the participant registry knows about the participant a token names. */
export interface LiveParticipantState {
  /** The latest permission an admin set with UpdateParticipant; absent when nobody updated it. */
  permission?: ParticipantPermission;
  /** The Unix second of that update: it governs tokens issued at or before it (contract §9). */
  permissionAtSec?: number;
  /** Tokens issued at or before this Unix second are revoked. */
  revokedThrough?: number;
}

/**
 * Whether a token issued at `issuedSec` (its `iat`, else `nbf`) was issued at or
 * before `sec`, in whole seconds. A token with neither cannot prove it came later,
 * so it counts as covered; nothing is covered by an absent `sec`. Revocation
 * watermarks and admin updates both use this one rule.
 */
export function issuedAtOrBefore(issuedSec: number | undefined, sec: number | undefined): boolean {
  if (sec === undefined) return false;
  return issuedSec === undefined || Math.floor(issuedSec) <= sec;
}

/**
 * The video grant a token carries after live updates: latest decision wins. A token
 * issued at or before the latest admin update is evaluated with that update's
 * permission; a newer token (the application's newer decision) keeps its own.
 */
export function effectiveVideo(video: VideoGrant | undefined, issuedSec: number | undefined, state: LiveParticipantState | undefined): VideoGrant | undefined {
  if (!state?.permission) return video;
  // An entry without a second predates stamping: it governs every token, as admin permissions did before.
  const covered = state.permissionAtSec === undefined || issuedAtOrBefore(issuedSec, state.permissionAtSec);
  return covered ? applyPermission(video ?? {}, state.permission) : video;
}

/**
 * Read side of the participant registry that token verification consults, so
 * that live updates win over old tokens (contract §4, §9) and revocations stick.
 * Implementations keep it cheap: it sits on every verification.
 */
export interface LiveStateView {
  /** State for (room, identity), or undefined when the registry knows nothing of it. */
  lookup(room: string, identity: string): Readonly<LiveParticipantState> | undefined | Promise<Readonly<LiveParticipantState> | undefined>;
}
