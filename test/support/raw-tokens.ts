import { createHmac } from "node:crypto";

const b64 = (v: unknown): string => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/** Signs any header and payload with HMAC (alg picks the hash), for hostile and edge-case tokens. */
export function rawToken(header: Record<string, unknown>, payload: unknown, secret: string, hash = "sha256"): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest("base64url")}`;
}

/** An HS256 token over an arbitrary payload. */
export function hs256(payload: unknown, secret: string): string {
  return rawToken({ alg: "HS256", typ: "JWT" }, payload, secret);
}
