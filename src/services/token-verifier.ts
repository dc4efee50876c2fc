import type { Clock } from "../core/clock.js";
import { tokenError } from "../core/errors.js";
import { applyPermission, type VideoGrant } from "../core/grants.js";
import { verifyJwt, type TokenPolicy, type VerifiedToken } from "../core/jwt.js";
import type { KeyProvider } from "../core/keys.js";
import type { LiveParticipantState, LiveStateView } from "../core/live-state.js";

/** A verified token plus what the registry says about its bearer now. */
export interface VerifiedAccess {
  token: VerifiedToken;
  /** The video grant after live permission updates; the token's own when nobody updated it. */
  effectiveVideo: VideoGrant | undefined;
}

/** Verifies tokens against the current keys, the clock, revocations and live updates. */
export interface TokenVerifier {
  /** Verifies or throws a RoomgateError with a `token_*` reason. */
  verify(token: string): Promise<VerifiedAccess>;
  /**
   * The same verification, answered in this turn when the live state is in
   * memory (a synchronous throw on failure); a promise only when the live
   * state view needs one. For hot paths that can skip a promise turn;
   * optional, so a verifier that only has `verify` still fits.
   */
  check?(token: string): VerifiedAccess | Promise<VerifiedAccess>;
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
  const withState = (verified: VerifiedToken, state: LiveParticipantState | undefined): VerifiedAccess => {
    const video = verified.grants.video;
    if (!state) return { token: verified, effectiveVideo: video };
    if (state.revokedThrough !== undefined) {
      // A token with neither iat nor nbf cannot prove it came after the revocation.
      const issued = verified.issuedAt ?? verified.notBefore;
      if (issued === undefined || Math.floor(issued) <= state.revokedThrough) throw tokenError("token_revoked");
    }
    return { token: verified, effectiveVideo: state.permission ? applyPermission(video ?? {}, state.permission) : video };
  };
  const check = (token: string): VerifiedAccess | Promise<VerifiedAccess> => {
    const ring = deps.keys.current();
    const verified = verifyJwt(token, (k) => ring.get(k), deps.clock.nowMs(), deps.policy);
    const video = verified.grants.video;
    const room = video?.room;
    if (!room || !verified.identity) return { token: verified, effectiveVideo: video };
    const state = deps.live.lookup(room, verified.identity);
    return state instanceof Promise ? state.then((s) => withState(verified, s)) : withState(verified, state);
  };
  return {
    check,
    async verify(token) {
      return check(token);
    },
  };
}
