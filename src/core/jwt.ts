import { createHmac, timingSafeEqual } from "node:crypto";
import { parsePayload, type RegisteredClaims } from "./claims-codec.js";
import { RoomgateError, tokenError } from "./errors.js";
import type { ClaimGrants, JsonValue } from "./grants.js";
import type { HmacKey } from "./hmac-key.js";

/** How tokens are judged; one object so the policy is explicit and pinned by vectors. */
export interface TokenPolicy {
  /** Clock skew tolerated on exp and nbf, in seconds (LiveKit Go: 60). */
  leewaySeconds: number;
  /** Longest token accepted, in bytes, checked before any decoding. */
  maxTokenBytes: number;
}

/** LiveKit Go's verification policy plus a size limit. */
export const DEFAULT_TOKEN_POLICY: TokenPolicy = { leewaySeconds: 60, maxTokenBytes: 1024 * 1024 };

/** Finds the key a token's `iss` names. */
export type KeyLookup = (apiKey: string) => HmacKey | undefined;

/** A token whose signature and times checked out. */
export interface VerifiedToken {
  apiKey: string;
  /** `sub`, else `jti`, else "" (the `identity` claim is never trusted). */
  identity: string;
  grants: ClaimGrants;
  issuedAt?: number;
  notBefore?: number;
  expiresAt: number;
}

/** A token decoded without any check of its signature or times. */
export interface DecodedToken {
  header: Record<string, unknown>;
  registered: RegisteredClaims;
  grants: ClaimGrants;
}

// Go's golang-jwt header; precomputed because it never changes.
const HEADER_B64 = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Signs a payload object with HS256 and returns the compact JWT. */
export function signJwt(key: HmacKey, payload: Record<string, JsonValue>): string {
  const input = `${HEADER_B64}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${createHmac("sha256", key.keyObject).update(input).digest("base64url")}`;
}

// Strict base64url: the URL alphabet only, no padding, no whitespace, no impossible length.
function decodeSegment(seg: string): Buffer {
  if (seg.length === 0 || seg.length % 4 === 1 || !B64URL.test(seg)) throw tokenError("token_malformed");
  return Buffer.from(seg, "base64url");
}

function decodeJsonObject(seg: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(decodeSegment(seg).toString("utf8"));
  } catch (err) {
    if (err instanceof RoomgateError) throw err;
    throw tokenError("token_malformed");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw tokenError("token_malformed");
  return v as Record<string, unknown>;
}

interface Split {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: string;
}

function split(token: string, maxBytes: number): Split {
  if (typeof token !== "string" || token.length === 0 || token.length > maxBytes) throw tokenError("token_malformed");
  const a = token.indexOf(".");
  const b = a < 0 ? -1 : token.indexOf(".", a + 1);
  if (b < 0 || token.indexOf(".", b + 1) >= 0) throw tokenError("token_malformed");
  const header = decodeJsonObject(token.slice(0, a));
  // Only HS256 exists in LiveKit; refusing the rest before anything else closes alg confusion.
  if (header.alg !== "HS256") {
    throw tokenError(typeof header.alg === "string" ? "token_algorithm_not_allowed" : "token_malformed");
  }
  // No critical extension is understood, so a token that declares one cannot be honoured (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw tokenError("token_malformed");
  return {
    header,
    payload: decodeJsonObject(token.slice(a + 1, b)),
    signingInput: token.slice(0, b),
    signature: token.slice(b + 1),
  };
}

/** Decodes a token without verifying it (for `token decode` and for logging the issuer). */
export function decodeJwt(token: string, policy: TokenPolicy = DEFAULT_TOKEN_POLICY): DecodedToken {
  const s = split(token, policy.maxTokenBytes);
  const { registered, grants } = parsePayload(s.payload);
  return { header: s.header, registered, grants };
}

/**
 * Verifies a token with LiveKit Go's policy: HS256 only, secret by `iss`,
 * `exp` required, `nbf` checked, leeway from the policy. Throws a
 * RoomgateError whose reason says what failed.
 */
export function verifyJwt(token: string, keys: KeyLookup, nowMs: number, policy: TokenPolicy = DEFAULT_TOKEN_POLICY): VerifiedToken {
  const s = split(token, policy.maxTokenBytes);
  const iss = s.payload.iss;
  if (iss !== undefined && iss !== null && typeof iss !== "string") throw tokenError("token_malformed");
  const key = typeof iss === "string" && iss !== "" ? keys(iss) : undefined;
  if (!key) throw tokenError("token_unknown_key");
  const sig = decodeSegment(s.signature);
  const expected = createHmac("sha256", key.keyObject).update(s.signingInput).digest();
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) throw tokenError("token_signature_invalid");

  const { registered: r, grants } = parsePayload(s.payload);
  if (r.exp === undefined) throw tokenError("token_missing_expiry");
  const leewayMs = policy.leewaySeconds * 1000;
  if (nowMs >= r.exp * 1000 + leewayMs) throw tokenError("token_expired");
  if (r.nbf !== undefined && nowMs < r.nbf * 1000 - leewayMs) throw tokenError("token_not_yet_valid");

  const identity = r.sub || r.jti || "";
  if (identity) grants.identity = identity;
  else delete grants.identity;
  const out: VerifiedToken = { apiKey: key.apiKey, identity, grants, expiresAt: r.exp };
  if (r.iat !== undefined) out.issuedAt = r.iat;
  if (r.nbf !== undefined) out.notBefore = r.nbf;
  return out;
}
