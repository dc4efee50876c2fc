import { RoomgateError } from "./errors.js";
import { createHmacKey, type HmacKey } from "./hmac-key.js";

/** Shortest secret accepted outside dev mode, in bytes (LiveKit server's own minimum). */
export const MIN_SECRET_BYTES = 32;

/** The API keys the service signs and verifies with. */
export interface KeyRing {
  /** The key for an `iss`, if configured. */
  get(apiKey: string): HmacKey | undefined;
  /** The key tokens are signed with when no key is named. */
  readonly defaultKey: HmacKey;
  /** Configured key names, sorted. */
  readonly apiKeys: readonly string[];
}

/** Why a key set was refused; names the key, never the secret. */
export class KeyConfigError extends Error {
  override readonly name = "KeyConfigError";
}

/**
 * Builds a key ring. The default signing key is `defaultKey` when given, else
 * the lexicographically first key, so it never depends on the order keys were loaded in.
 */
export function createKeyRing(secrets: ReadonlyMap<string, string>, opts: { defaultKey?: string; allowShortSecrets?: boolean } = {}): KeyRing {
  if (secrets.size === 0) throw new KeyConfigError("no API keys configured");
  const keys = new Map<string, HmacKey>();
  for (const [apiKey, secret] of secrets) {
    if (!apiKey) throw new KeyConfigError("an API key name is empty");
    if (!secret) throw new KeyConfigError(`API key "${apiKey}" has an empty secret`);
    const key = createHmacKey(apiKey, secret);
    if (!opts.allowShortSecrets && key.secretBytes < MIN_SECRET_BYTES) {
      throw new KeyConfigError(`secret of API key "${apiKey}" is shorter than ${MIN_SECRET_BYTES} bytes`);
    }
    keys.set(apiKey, key);
  }
  const apiKeys = [...keys.keys()].sort();
  const defaultName = opts.defaultKey ?? apiKeys[0]!;
  const defaultKey = keys.get(defaultName);
  if (!defaultKey) throw new KeyConfigError(`default API key "${defaultName}" is not configured`);
  return { get: (k) => keys.get(k), defaultKey, apiKeys };
}

/** Holds the current key ring and swaps it atomically on reload, so in-flight requests keep a consistent ring. */
export interface KeyProvider {
  /** The ring in force now. */
  current(): KeyRing;
  /** Replaces the ring. */
  replace(ring: KeyRing): void;
}

/** Creates a provider around an initial ring. */
export function createKeyProvider(initial: KeyRing): KeyProvider {
  let ring = initial;
  return { current: () => ring, replace: (r) => { ring = r; } };
}

/** The signing key for an explicit `apiKey`, or the default; unknown names are a request error. */
export function signingKey(ring: KeyRing, apiKey: string): HmacKey {
  if (!apiKey) return ring.defaultKey;
  const key = ring.get(apiKey);
  if (!key) throw new RoomgateError("invalid_argument", { field: "api_key", detail: "is not a configured key" });
  return key;
}
