import { createHmac } from "node:crypto";

/** Base64url (no padding) of a string's UTF-8 bytes. */
export function b64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

// A string is taken as raw JSON text so tests can write what JSON.stringify never would.
function segment(content: unknown): string {
  return b64url(typeof content === "string" ? content : JSON.stringify(content));
}

/** HMAC over `header.payload` with any SHA-2 size, in base64url. */
export function hmacSignature(signingInput: string, secret: string, hash: "sha256" | "sha384" | "sha512" = "sha256"): string {
  return createHmac(hash, Buffer.from(secret, "utf8")).update(signingInput).digest("base64url");
}

/**
 * Builds a compact JWT by hand so tests can produce tokens no well-behaved
 * library would (other algorithms, odd headers, non-object payloads).
 */
export function forgeJwt(header: unknown, payload: unknown, secret: string, hash: "sha256" | "sha384" | "sha512" = "sha256"): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${hmacSignature(input, secret, hash)}`;
}

/** An HS256 token with the golang-jwt header. */
export function hs256(payload: unknown, secret: string): string {
  return forgeJwt({ alg: "HS256", typ: "JWT" }, payload, secret);
}
