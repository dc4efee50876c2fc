import type { Clock } from "../core/clock.js";
import { tokenError } from "../core/errors.js";
import type { VideoGrant } from "../core/grants.js";
import { verifyJwt, type TokenPolicy, type VerifiedToken } from "../core/jwt.js";
import type { KeyProvider } from "../core/keys.js";
import { effectiveVideo, issuedAtOrBefore, type LiveParticipantState, type LiveStateView } from "../core/live-state.js";
import { isThenable } from "../transport/maybe-async.js";

/** A verified token plus what the registry says about its bearer now. */
export interface VerifiedAccess {
  token: VerifiedToken;
  /** The video grant after live permission updates (latest decision wins); the token's own when no update covers it. */
  effectiveVideo: VideoGrant | undefined;
}

/** Verifies tokens against the current keys, the clock, revocations and live updates. */
export interface TokenVerifier {
  /** Verifies or throws a RoomgateError with a `token_*` reason. */
  verify(token: string): Promise<VerifiedAccess>;
  /**
   * The same verification, answered in this turn when the live state is in
   * memory (a synchronous throw on failure); a promise only when the live
   * state view needs one. For hot paths that can skip a promise turn.
   */
  check(token: string): VerifiedAccess | Promise<VerifiedAccess>;
  /**
   * Judges an already verified token again, now: its key is still configured, it has not
   * expired (with the leeway), it is not revoked, and live permission updates apply.
   * Cheap (no signature, no parsing), so a long-lived call can re-check its caller's token.
   */
  recheck(token: VerifiedToken): Promise<VerifiedAccess>;
  /** The first millisecond at which `token` counts as expired (exp plus the leeway). */
  expiredAtMs(token: VerifiedToken): number;
}

/** Dependencies of the verifier; all injected. */
export interface TokenVerifierDeps {
  keys: KeyProvider;
  clock: Clock;
  policy: TokenPolicy;
  live: LiveStateView;
}

/** Creates the verifier every RPC that takes a token goes through. */
export function createTokenVerifier(deps: TokenVerifierDeps): TokenVerifier {
  const expiredAtMs = (t: VerifiedToken): number => (t.expiresAt + deps.policy.leewaySeconds) * 1000;
  // Revocation and live permissions (latest decision wins): the part of verification that changes while a token lives.
  const withState = (verified: VerifiedToken, state: LiveParticipantState | undefined): VerifiedAccess => {
    const video = verified.grants.video;
    if (!state) return { token: verified, effectiveVideo: video };
    const issued = verified.issuedAt ?? verified.notBefore;
    if (issuedAtOrBefore(issued, state.revokedThrough)) throw tokenError("token_revoked");
    return { token: verified, effectiveVideo: effectiveVideo(video, issued, state) };
  };
  const judgeLive = (verified: VerifiedToken): VerifiedAccess | Promise<VerifiedAccess> => {
    const video = verified.grants.video;
    const room = video?.room;
    if (!room || !verified.identity) return { token: verified, effectiveVideo: video };
    const state = deps.live.lookup(room, verified.identity);
    return isThenable(state) ? Promise.resolve(state).then((s) => withState(verified, s)) : withState(verified, state);
  };
  const check = (token: string): VerifiedAccess | Promise<VerifiedAccess> => {
    const ring = deps.keys.current();
    return judgeLive(verifyJwt(token, (k) => ring.get(k), deps.clock.nowMs(), deps.policy));
  };
  return {
    check,
    async verify(token) {
      return check(token);
    },
    async recheck(token) {
      // A key dropped by a reload takes its tokens' authority with it, as a fresh verification would.
      if (!deps.keys.current().get(token.apiKey)) throw tokenError("token_unknown_key");
      if (deps.clock.nowMs() >= expiredAtMs(token)) throw tokenError("token_expired");
      return judgeLive(token);
    },
    expiredAtMs,
  };
}
