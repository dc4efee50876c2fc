import { createSecretKey, type KeyObject } from "node:crypto";

/** An API key and its HMAC secret, prepared once so signing and verifying do no key setup. */
export interface HmacKey {
  readonly apiKey: string;
  /** Secret length in bytes (the secret itself is never exposed). */
  readonly secretBytes: number;
  /** Prepared HMAC key. */
  readonly keyObject: KeyObject;
}

/** Prepares an API key's secret; LiveKit uses the secret's UTF-8 bytes as the HMAC key. */
export function createHmacKey(apiKey: string, secret: string): HmacKey {
  const bytes = Buffer.from(secret, "utf8");
  return { apiKey, secretBytes: bytes.length, keyObject: createSecretKey(bytes) };
}
