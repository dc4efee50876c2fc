import type { ParticipantPermission } from "./grants.js";

/** What the participant registry knows about the participant a token names. */
export interface LiveParticipantState {
  /** The permission an admin set with UpdateParticipant; absent when nobody updated it. */
  permission?: ParticipantPermission;
  /** Tokens issued at or before this Unix second are revoked. */
  revokedThrough?: number;
}

/**
 * Read side of the participant registry that token verification consults, so
 * that live updates win over old tokens (contract §4) and revocations stick.
 * Implementations keep it cheap: it sits on every verification.
 */
export interface LiveStateView {
  /** State for (room, identity), or undefined when the registry knows nothing of it. */
  lookup(room: string, identity: string): LiveParticipantState | undefined | Promise<LiveParticipantState | undefined>;
}
