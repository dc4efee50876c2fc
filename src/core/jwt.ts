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
// Headers that real minters write (golang-jwt, jose / livekit-server-sdk, jsonwebtoken): all are valid
// HS256 without `crit`, so a match skips decoding and parsing the header (about a fifth of a verify).
const KNOWN_HS256_HEADERS: readonly string[] = ['{"alg":"HS256","typ":"JWT"}', '{"alg":"HS256"}', '{"typ":"JWT","alg":"HS256"}']
  .map((h) => Buffer.from(h).toString("base64url"));

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
  headerSegment: string;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: string;
}

function checkHeader(seg: string): void {
  if (KNOWN_HS256_HEADERS.includes(seg)) return;
  const header = decodeJsonObject(seg);
  // Only HS256 exists in LiveKit; refusing the rest before anything else closes alg confusion.
  if (header.alg !== "HS256") {
    throw tokenError(typeof header.alg === "string" ? "token_algorithm_not_allowed" : "token_malformed");
  }
  // No critical extension is understood, so a token that declares one cannot be honoured (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw tokenError("token_malformed");
}

function split(token: string, maxBytes: number): Split {
  if (typeof token !== "string" || token.length === 0 || token.length > maxBytes) throw tokenError("token_malformed");
  const a = token.indexOf(".");
  const b = a < 0 ? -1 : token.indexOf(".", a + 1);
  if (b < 0 || token.indexOf(".", b + 1) >= 0) throw tokenError("token_malformed");
  const header = token.slice(0, a);
  checkHeader(header);
  return {
    headerSegment: header,
    payload: decodeJsonObject(token.slice(a + 1, b)),
    signingInput: token.slice(0, b),
    signature: token.slice(b + 1),
  };
}

/**
 * Compares a token's signature segment with the expected one in constant time.
 * The exact-text fast path avoids decoding; anything else is decoded strictly,
 * so malformed segments still fail as malformed and a non-canonical encoding
 * of the right bytes (unused trailing bits, which jose also accepts) still verifies.
 */
function signatureMatches(sig: string, expectedB64: string): boolean {
  if (sig.length === expectedB64.length) {
    let diff = 0;
    for (let i = 0; i < sig.length; i++) diff |= sig.charCodeAt(i) ^ expectedB64.charCodeAt(i);
    if (diff === 0) return true;
  }
  const got = decodeSegment(sig);
  const expected = Buffer.from(expectedB64, "base64url");
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** Decodes a token without verifying it (for `token decode` and for logging the issuer). */
export function decodeJwt(token: string, policy: TokenPolicy = DEFAULT_TOKEN_POLICY): DecodedToken {
  const s = split(token, policy.maxTokenBytes);
  const { registered, grants } = parsePayload(s.payload);
  return { header: decodeJsonObject(s.headerSegment), registered, grants };
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
  // A base64url digest is cheaper to produce than a Buffer one, and the common case then needs no decoding.
  const expected = createHmac("sha256", key.keyObject).update(s.signingInput).digest("base64url");
  if (!signatureMatches(s.signature, expected)) throw tokenError("token_signature_invalid");

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
