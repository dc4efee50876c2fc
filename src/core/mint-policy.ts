import { effectiveGrantNames, type GrantName } from "./effective-grants.js";
import { RoomgateError } from "./errors.js";
import type { ClaimGrants } from "./grants.js";
import type { MintLimits } from "./minting.js";

/**
 * What one CreateToken client may mint (contract §13). Absent lists allow
 * everything of their kind; a client without a policy keeps full power.
 */
export interface MintPolicy {
  /** The only grants its tokens may carry (effective names, see effectiveGrantNames). */
  grants?: readonly GrantName[];
  /** Patterns the token's room (and destination room) must match; `*` matches any run of characters. */
  rooms?: readonly string[];
  /** Patterns the token's identity must match. */
  identities?: readonly string[];
  /** Keys it may sign with; the first is used when the default key is not among them. */
  apiKeys?: readonly string[];
  /** Longest lifetime, in seconds; longer requests are cut to it. */
  maxTtlSeconds?: number;
}

/** A `*`-glob as a whole-string matcher; every other character is literal. */
export function globMatcher(pattern: string): (s: string) => boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return (s) => s === pattern;
  return (s) => {
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
    let at = first.length;
    const end = s.length - last.length;
    for (let i = 1; i < parts.length - 1; i++) {
      const found = s.indexOf(parts[i]!, at);
      if (found < 0 || found + parts[i]!.length > end) return false;
      at = found + parts[i]!.length;
    }
    return true;
  };
}

function matchesAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => globMatcher(p)(value));
}

/** A refusal by the client's policy; the message names the field, never the value asked for. */
export function policyDenied(field: string, detail: string): RoomgateError {
  return new RoomgateError("policy_denied", { field, detail });
}

/**
 * The key a request signs with under the policy: the requested one if the
 * policy lists it; with none requested, the server's default key when listed,
 * else the policy's first key. Returns "" for "the server's default".
 */
export function policyApiKey(policy: MintPolicy | undefined, requested: string, defaultKey: string): string {
  const allowed = policy?.apiKeys;
  if (!allowed) return requested;
  if (requested) {
    if (!allowed.includes(requested)) throw policyDenied("api_key", "is not a key this client may sign with");
    return requested;
  }
  return allowed.includes(defaultKey) ? "" : allowed[0]!;
}

/**
 * Checks a token's claims against the policy, in a fixed order (grants,
 * room, destination room, identity), and throws `policy_denied` naming the
 * first offending field. The key is checked by policyApiKey, the ttl cut by policyLimits.
 */
export function checkMintPolicy(policy: MintPolicy | undefined, g: ClaimGrants): void {
  if (!policy) return;
  if (policy.grants) {
    const allowed = new Set<string>(policy.grants);
    const extra = effectiveGrantNames(g).find((n) => !allowed.has(n));
    if (extra !== undefined) throw policyDenied("grants", `may not include ${extra}`);
  }
  if (policy.rooms && g.video) {
    if (!matchesAny(policy.rooms, g.video.room ?? "")) throw policyDenied("room", "is outside the rooms this client may name");
    const dest = g.video.destinationRoom;
    if (dest !== undefined && dest !== "" && !matchesAny(policy.rooms, dest)) {
      throw policyDenied("destination_room", "is outside the rooms this client may name");
    }
  }
  if (policy.identities && !matchesAny(policy.identities, g.identity ?? "")) {
    throw policyDenied("identity", "is outside the identities this client may name");
  }
}

/** The server's lifetime limits narrowed by the policy's max_ttl (default ttl included). */
export function policyLimits(policy: MintPolicy | undefined, limits: MintLimits): MintLimits {
  const max = policy?.maxTtlSeconds;
  if (max === undefined) return limits;
  return { defaultTtlSeconds: Math.min(limits.defaultTtlSeconds, max), maxTtlSeconds: Math.min(limits.maxTtlSeconds, max) };
}

/**
 * policyLimits for a token starting at `notBefore`: under a max_ttl the token
 * must expire by now plus max_ttl, so a later start spends that lifetime
 * (else a client could mint a token usable long after its max_ttl by naming a distant not_before).
 */
export function policyLimitsFrom(policy: MintPolicy | undefined, limits: MintLimits, nowSec: number, notBefore: number | undefined): MintLimits {
  const narrowed = policyLimits(policy, limits);
  const max = policy?.maxTtlSeconds;
  if (max === undefined || notBefore === undefined || !(notBefore > nowSec)) return narrowed;
  const left = max - (notBefore - nowSec);
  if (!(left >= 1)) throw policyDenied("not_before", "is later than this client's max_ttl allows");
  return { defaultTtlSeconds: Math.min(narrowed.defaultTtlSeconds, left), maxTtlSeconds: Math.min(narrowed.maxTtlSeconds, left) };
}
