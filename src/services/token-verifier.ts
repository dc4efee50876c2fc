import type { Clock } from "../core/clock.js";
import { tokenError } from "../core/errors.js";
import type { VideoGrant } from "../core/grants.js";
import { verifyJwt, type TokenPolicy, type VerifiedToken } from "../core/jwt.js";
import type { KeyProvider } from "../core/keys.js";
import { effectiveVideo, issuedAtOrBefore, type LiveStateView } from "../core/live-state.js";

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
  return {
    async verify(token) {
      const ring = deps.keys.current();
      const verified = verifyJwt(token, (k) => ring.get(k), deps.clock.nowMs(), deps.policy);
      const video = verified.grants.video;
      const room = video?.room;
      if (!room || !verified.identity) return { token: verified, effectiveVideo: video };
      const state = await deps.live.lookup(room, verified.identity);
      if (!state) return { token: verified, effectiveVideo: video };
      const issued = verified.issuedAt ?? verified.notBefore;
      if (issuedAtOrBefore(issued, state.revokedThrough)) throw tokenError("token_revoked");
      return { token: verified, effectiveVideo: effectiveVideo(video, issued, state) };
    },
  };
}
