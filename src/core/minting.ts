import { encodePayload, MAX_TIME_SECONDS } from "./claims-codec.js";
import { invalidArgument } from "./errors.js";
import type { ClaimGrants } from "./grants.js";
import type { HmacKey } from "./hmac-key.js";
import { signJwt } from "./jwt.js";
import { validateMintGrants } from "./requirements.js";

/** Lifetime rules for minted tokens. */
export interface MintLimits {
  /** Used when the request names no ttl (LiveKit: 6 h). */
  defaultTtlSeconds: number;
  /** Longer requested lifetimes are cut to this. */
  maxTtlSeconds: number;
}

/** LiveKit's 6 h default, capped at 24 h. */
export const DEFAULT_MINT_LIMITS: MintLimits = { defaultTtlSeconds: 6 * 3600, maxTtlSeconds: 24 * 3600 };

/** A signed token and the facts it carries. */
export interface MintedToken {
  token: string;
  apiKey: string;
  grants: ClaimGrants;
  issuedAt: number;
  notBefore: number;
  expiresAt: number;
}

/** What to mint: grants plus optional lifetime and start, in seconds. */
export interface MintRequest {
  grants: ClaimGrants;
  ttlSeconds?: number;
  notBefore?: number;
}

/**
 * Validates and signs a token: `iat` is now, `nbf` is the requested start (else
 * now), `exp` is `nbf` plus the ttl, which is capped by the limits.
 */
export function mintToken(key: HmacKey, req: MintRequest, nowSec: number, limits: MintLimits = DEFAULT_MINT_LIMITS): MintedToken {
  validateMintGrants(req.grants);
  const ttl = Math.floor(req.ttlSeconds ?? limits.defaultTtlSeconds);
  // JWT times are whole seconds, so anything under one second would be an empty lifetime.
  if (!Number.isFinite(ttl) || ttl < 1) throw invalidArgument("ttl", "must be at least one second");
  const nbf = req.notBefore ?? nowSec;
  if (!Number.isSafeInteger(nbf) || nbf < 0) throw invalidArgument("not_before", "is out of range");
  const exp = nbf + Math.min(ttl, limits.maxTtlSeconds);
  if (exp > MAX_TIME_SECONDS) throw invalidArgument("not_before", "puts the expiry after the year 9999");
  if (exp <= nowSec) throw invalidArgument("not_before", "puts the expiry in the past");
  const payload = encodePayload({ iss: key.apiKey, sub: req.grants.identity, exp, nbf, iat: nowSec }, req.grants);
  return { token: signJwt(key, payload), apiKey: key.apiKey, grants: req.grants, issuedAt: nowSec, notBefore: nbf, expiresAt: exp };
}
