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
  // Revocation and live permissions: the part of verification that changes while a token lives.
  const judgeLive = async (verified: VerifiedToken): Promise<VerifiedAccess> => {
    const video = verified.grants.video;
    const room = video?.room;
    if (!room || !verified.identity) return { token: verified, effectiveVideo: video };
    const state = await deps.live.lookup(room, verified.identity);
    if (!state) return { token: verified, effectiveVideo: video };
    const issued = verified.issuedAt ?? verified.notBefore;
    if (issuedAtOrBefore(issued, state.revokedThrough)) throw tokenError("token_revoked");
    return { token: verified, effectiveVideo: effectiveVideo(video, issued, state) };
  };
  return {
    async verify(token) {
      const ring = deps.keys.current();
      return judgeLive(verifyJwt(token, (k) => ring.get(k), deps.clock.nowMs(), deps.policy));
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
