import type { MintedToken } from "../core/minting.js";
import { silentLogger, type Logger } from "../log.js";
import type { ParticipantEvent, ParticipantEvents, Unsubscribe } from "./events.js";
import { participantKey, type ParticipantRecord } from "./model.js";
import type { SharedTokens } from "./shared-tokens.js";
import { createWatcherSet, type WatcherLimits, type WatchEvent, type WatchListener } from "./watchers.js";

/** Dependencies of the watch hub. */
export interface WatchHubDeps {
  events: ParticipantEvents;
  tokens: SharedTokens;
  limits: WatcherLimits;
  log?: Logger;
}

/**
 * This process's watch streams and what they share: one bus subscription and one
 * refreshed token per watched participant (minted once per version), one first
 * event per version for watches that start on it, and the revocation listeners
 * through which open streams learn that their caller's token was revoked.
 */
export interface WatchHub {
  /**
   * Opens a watcher (beyond the limits: RESOURCE_EXHAUSTED `watch_limit`), then reads the
   * participant and delivers its current state first. Listening starts before the read,
   * so no change falls between. Returns the way to stop.
   */
  open(room: string, identity: string, listener: WatchListener, read: () => Promise<ParticipantRecord>): Promise<Unsubscribe>;
  /** Whether (room, identity) has an open watcher here (its token is then shared). */
  isWatched(room: string, identity: string): boolean;
  /** The shared token of a watched participant's version. */
  tokenFor(r: ParticipantRecord): MintedToken;
  /** Delivers a periodic refresh of a watched participant to its watchers. */
  refreshed(r: ParticipantRecord): void;
  /** The (room, identity) pairs with at least one open watcher. */
  watched(): Array<{ room: string; identity: string }>;
  /** Tells the revocation listeners of (room, identity); call after the live state has the new watermark. */
  revoked(room: string, identity: string): void;
  /** Calls `listener` whenever `revoked` is called for (room, identity). */
  onRevocation(room: string, identity: string, listener: () => void): Unsubscribe;
  /** Open watch streams in this process. */
  readonly total: number;
}

/** Creates an empty hub. */
export function createWatchHub(deps: WatchHubDeps): WatchHub {
  const { events, tokens } = deps;
  const log = deps.log ?? silentLogger;
  const busByKey = new Map<string, Unsubscribe>();
  const openers = new Map<string, WatchEvent>();
  const revocationListeners = new Map<string, Set<() => void>>();

  // Every watcher of a participant gets the same token: minted once per version, not once per stream.
  const withToken = (e: ParticipantEvent): WatchEvent =>
    e.cause === "removed" || e.participant.state !== "active" ? e : { ...e, token: tokens.tokenFor(e.participant) };
  // The first event of a new watch, shared by every watch that starts on the same version and token,
  // so N watches hold one copy of a participant (and the transport encodes it once), not N.
  const openerFor = (r: ParticipantRecord): WatchEvent => {
    const key = participantKey(r.room, r.identity);
    const token = tokens.tokenFor(r);
    const cur = openers.get(key);
    if (cur?.participant.version === r.version && cur.token === token) return cur;
    const e: WatchEvent = { cause: "refreshed", participant: r, token };
    openers.set(key, e);
    return e;
  };
  // One bus subscription per watched participant, however many streams watch it.
  const watchers = createWatcherSet({
    limits: deps.limits,
    log,
    onFirst: (room, identity) => busByKey.set(participantKey(room, identity), events.subscribe(room, identity, (e) => watchers.deliverLocal(withToken(e)))),
    onLast: (room, identity) => {
      const key = participantKey(room, identity);
      busByKey.get(key)?.();
      busByKey.delete(key);
      openers.delete(key);
      tokens.forget(room, identity);
    },
  });

  return {
    async open(room, identity, listener, read) {
      const w = watchers.add(room, identity, listener);
      try {
        w.start(openerFor(await read()));
      } catch (err) {
        w.remove();
        throw err;
      }
      return w.remove;
    },
    isWatched: (room, identity) => watchers.count(room, identity) > 0,
    tokenFor: (r) => tokens.tokenFor(r),
    refreshed(r) {
      watchers.deliverLocal(withToken({ cause: "refreshed", participant: r }));
    },
    watched: () => watchers.watched(),
    revoked(room, identity) {
      for (const listener of [...(revocationListeners.get(participantKey(room, identity)) ?? [])]) {
        try {
          listener();
        } catch (err) {
          log.error("revocation listener failed", { err });
        }
      }
    },
    onRevocation(room, identity, listener) {
      const key = participantKey(room, identity);
      const entry = (): void => listener();
      let set = revocationListeners.get(key);
      if (!set) revocationListeners.set(key, (set = new Set()));
      set.add(entry);
      return () => {
        const cur = revocationListeners.get(key);
        if (!cur) return;
        cur.delete(entry);
        if (cur.size === 0) revocationListeners.delete(key);
      };
    },
    get total() {
      return watchers.total;
    },
  };
}
