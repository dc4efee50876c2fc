import type { HmacKey } from "../core/hmac-key.js";
import type { MintedToken } from "../core/minting.js";
import { participantKey, type ParticipantRecord } from "./model.js";

/** Share of its lifetime a cached token must still have to be handed out again (contract §9). */
export const MIN_SHARED_LIFETIME_LEFT = 0.9;

/** Dependencies of the token cache; all injected. */
export interface SharedTokensDeps {
  /** The key refreshed tokens are signed with now (a reload may change it). */
  signingKey(): HmacKey;
  /** Mints a refreshed token for a record with the given key, at the current time. */
  mint(key: HmacKey, r: ParticipantRecord): MintedToken;
  /** The current time in whole Unix seconds. */
  nowSec(): number;
  /** The identity's revocation watermark now, if any. */
  revokedThrough(room: string, identity: string): number | undefined;
}

/**
 * Refreshed tokens of watched participants, one per participant. Every watcher of
 * a participant version gets the same token, so N watchers cost one signature and
 * one copy of a token that can be as large as the participant's metadata.
 */
export interface SharedTokens {
  /** The cached token of this version when it is still good to share, else a freshly minted one that replaces it. */
  tokenFor(r: ParticipantRecord): MintedToken;
  /** Drops the cached token of (room, identity) (nobody watches it any more, or it left). */
  forget(room: string, identity: string): void;
  /** Number of cached tokens. */
  readonly size: number;
}

interface Entry {
  version: number;
  key: HmacKey;
  token: MintedToken;
}

/** Creates an empty cache. */
export function createSharedTokens(deps: SharedTokensDeps): SharedTokens {
  const entries = new Map<string, Entry>();

  const reusable = (e: Entry, r: ParticipantRecord, key: HmacKey, nowSec: number): boolean => {
    if (e.version !== r.version || e.key !== key) return false;
    const { issuedAt, expiresAt } = e.token;
    // A watermark raised after the mint refuses the token on arrival; never hand it out again.
    const mark = deps.revokedThrough(r.room, r.identity);
    if (mark !== undefined && issuedAt <= mark) return false;
    const lifetime = expiresAt - issuedAt;
    return lifetime > 0 && expiresAt - nowSec >= MIN_SHARED_LIFETIME_LEFT * lifetime;
  };

  return {
    tokenFor(r) {
      const k = participantKey(r.room, r.identity);
      const key = deps.signingKey();
      const cached = entries.get(k);
      if (cached && reusable(cached, r, key, deps.nowSec())) return cached.token;
      const token = deps.mint(key, r);
      // An older version arriving late (a slow store read) must not replace a newer one's token.
      if (!cached || cached.version <= r.version) entries.set(k, { version: r.version, key, token });
      return token;
    },
    forget(room, identity) {
      entries.delete(participantKey(room, identity));
    },
    get size() {
      return entries.size;
    },
  };
}
