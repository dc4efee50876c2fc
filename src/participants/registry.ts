import type { ParticipantSettings } from "../config/server-config.js";
import { nowSeconds, type Clock } from "../core/clock.js";
import { grantMissing, invalidArgument, RoomgateError } from "../core/errors.js";
import type { VerifiedToken } from "../core/jwt.js";
import type { HmacKey } from "../core/hmac-key.js";
import type { KeyProvider } from "../core/keys.js";
import type { LiveStateView } from "../core/live-state.js";
import type { MintedToken } from "../core/minting.js";
import { silentLogger, type Logger } from "../log.js";
import type { ParticipantEvent, ParticipantEvents, RevocationNotice, Unsubscribe } from "./events.js";
import { createKeyedQueue } from "./keyed-queue.js";
import { createLiveIndex } from "./live-index.js";
import { joinCandidate, participantKey, videoForToken, type ParticipantRecord } from "./model.js";
import { mintRefreshToken } from "./refresh.js";
import { createSharedTokens } from "./shared-tokens.js";
import type { ParticipantStore } from "./store.js";
import type { Timers } from "./timers.js";
import { applyUpdate, checkJoinLimits, checkUpdateLimits, sameContent, type ParticipantUpdate } from "./update-rules.js";
import { createWatchHub } from "./watch-hub.js";
import type { WatchListener } from "./watchers.js";

/** Dependencies of the registry; all injected. */
export interface ParticipantRegistryDeps {
  store: ParticipantStore;
  events: ParticipantEvents;
  keys: KeyProvider;
  clock: Clock;
  timers: Timers;
  settings: ParticipantSettings;
  log?: Logger;
  /**
   * How long an update keeps retrying optimistic conflicts before store_unavailable, on a store shared
   * by instances (contract §10: within `redis_timeout`); without it, MAX_UPDATE_ATTEMPTS attempts.
   */
  updateRetry?: UpdateRetryBudget;
}

/** A time budget for an update's retries after optimistic conflicts. */
export interface UpdateRetryBudget {
  /** Milliseconds from the first attempt after which no new attempt starts. */
  budgetMs: number;
  /** Monotonic milliseconds. */
  now(): number;
}

/** A participant together with a freshly minted token for it. */
export interface ParticipantWithToken {
  participant: ParticipantRecord;
  token: MintedToken;
}

/** The participant domain service: joins, admin changes, removal, refreshed tokens, live state. */
export interface ParticipantRegistry {
  /** What token verification consults; answers from memory. */
  readonly liveState: LiveStateView;
  /** Loads the live state and starts the periodic refresher; required before anything else. */
  start(): Promise<void>;
  /** Stops the periodic refresher. */
  stop(): void;
  /** Registers (or re-activates) the participant a verified join token names. */
  join(token: VerifiedToken): Promise<ParticipantWithToken>;
  /** Applies an admin change with LiveKit's semantics; returns the participant after it. */
  update(room: string, identity: string, changes: ParticipantUpdate): Promise<ParticipantRecord>;
  /** One participant, active or removed. */
  get(room: string, identity: string): Promise<ParticipantRecord>;
  /** The active participants of a room. */
  list(room: string): Promise<ParticipantRecord[]>;
  /**
   * Marks an active participant removed; with `revokeTokens`, refuses its tokens issued
   * through this second, or through `revokeThroughSec` when given (LiveKit's `revoke_token_ts`,
   * at most MAX_REVOKE_AHEAD_SECONDS ahead). A participant not in the room (never joined, or
   * already removed) is `participant_not_found` without `revokeTokens`; with it, the watermark is
   * recorded all the same, nothing else changes (no new version, no second `removed` event) and
   * the result is undefined.
   */
  remove(room: string, identity: string, revokeTokens: boolean, revokeThroughSec?: number): Promise<ParticipantRecord | undefined>;
  /**
   * A fresh token for an active participant, with its current permission. Given the token that asks
   * (`by`), an admin update that covers it wins over a newer session's permission: an older token
   * never buys back what an update took away (contract §9).
   */
  refresh(room: string, identity: string, by?: VerifiedToken): Promise<ParticipantWithToken>;
  /**
   * Streams an active participant's events, each but `removed` with the participant's shared
   * refreshed token, starting with the current one; returns the way to stop. Beyond the
   * watch limits it throws RESOURCE_EXHAUSTED `watch_limit`.
   */
  watch(room: string, identity: string, listener: WatchListener): Promise<Unsubscribe>;
  /** Calls `listener` after the revocation watermark of (room, identity) rose in this process's live state. */
  onRevocation(room: string, identity: string, listener: () => void): Unsubscribe;
  /** Open watch streams in this process. */
  readonly watchStreams: number;
}

/**
 * How far ahead of now a given revocation watermark may lie (LiveKit Cloud's own
 * one-minute leeway). Watermarks only rise, so a timestamp in milliseconds by mistake
 * would otherwise lock the identity out for millennia.
 */
export const MAX_REVOKE_AHEAD_SECONDS = 60;

/** Attempts at an optimistic update before giving up; conflicts only come from concurrent admins. */
export const MAX_UPDATE_ATTEMPTS = 8;

const notFound = (): RoomgateError => new RoomgateError("participant_not_found");

function requireKey(room: string, identity?: string): void {
  if (!room) throw invalidArgument("room", "is required");
  if (identity !== undefined && !identity) throw invalidArgument("identity", "is required");
}

function checkRevokeThrough(sec: number, nowSec: number): void {
  if (!(Number.isSafeInteger(sec) && sec >= 0)) throw invalidArgument("revoke_token_ts", "is out of range");
  if (sec > nowSec + MAX_REVOKE_AHEAD_SECONDS) {
    throw invalidArgument("revoke_token_ts", `is more than ${MAX_REVOKE_AHEAD_SECONDS} s ahead (seconds, not milliseconds)`);
  }
}

/** Creates the registry; call `start()` before use. */
export function createParticipantRegistry(deps: ParticipantRegistryDeps): ParticipantRegistry {
  const { store, events, clock, settings } = deps;
  const log = deps.log ?? silentLogger;
  const index = createLiveIndex();
  const updates = createKeyedQueue();
  // The second a refreshed token of `r` is issued at. A record read before the latest admin update (the live index
  // already holds a newer decision) must not yield a token issued after that update, or the token would carry the
  // old permission past it (latest decision wins); `asOfSec` is when the caller knew `r` to be current.
  const issueSecond = (r: ParticipantRecord, asOfSec = nowSeconds(clock)): number => {
    if (index.versionOf(r.room, r.identity) <= r.version) return asOfSec;
    const at = index.lookup(r.room, r.identity)?.permissionAtSec;
    return at === undefined ? asOfSec : Math.min(asOfSec, at);
  };
  const mintWith = (key: HmacKey, r: ParticipantRecord, asOfSec?: number): MintedToken =>
    mintRefreshToken(key, r, issueSecond(r, asOfSec), settings.refreshTtlSeconds, index.lookup(r.room, r.identity)?.revokedThrough);
  const hub = createWatchHub({
    events,
    tokens: createSharedTokens({
      signingKey: () => deps.keys.current().defaultKey,
      mint: (key, r) => mintWith(key, r),
      nowSec: () => nowSeconds(clock),
      revokedThrough: (room, identity) => index.lookup(room, identity)?.revokedThrough,
    }),
    limits: { perParticipant: settings.maxWatchersPerParticipant, total: settings.maxWatchStreams },
    log,
  });
  const revoked = (room: string, identity: string, throughSec: number): void => {
    index.applyRevocation(room, identity, throughSec);
    hub.revoked(room, identity);
  };
  // Whether another attempt may start: a count in one process (conflicts there are rare), a time budget on a shared store.
  const retryGate = (): ((attempt: number) => boolean) => {
    const budget = deps.updateRetry;
    if (!budget) return (attempt) => attempt < MAX_UPDATE_ATTEMPTS;
    const until = budget.now() + budget.budgetMs;
    return (attempt) => attempt === 0 || budget.now() < until;
  };
  let stopTimer: (() => void) | undefined;
  let unsubscribeAll: Unsubscribe | undefined;
  let unsubscribeRevocations: Unsubscribe | undefined;

  const ready = (): void => {
    if (!index.loaded) throw new RoomgateError("store_unavailable");
  };
  const mintFresh = (r: ParticipantRecord, asOfSec?: number): MintedToken => mintWith(deps.keys.current().defaultKey, r, asOfSec);
  // Watched participants share the cached token; others get one minted for the call alone, so nothing is kept for them.
  const mint = (r: ParticipantRecord, asOfSec?: number): MintedToken => (hub.isWatched(r.room, r.identity) ? hub.tokenFor(r) : mintFresh(r, asOfSec));
  // The change is already durable; a failed fan-out must not turn it into an error for the caller.
  const publish = async (event: ParticipantEvent): Promise<void> => {
    try {
      await events.publish(event);
    } catch (err) {
      log.warn("participant event not published", { cause: event.cause, err });
    }
  };
  const publishRevocation = async (notice: RevocationNotice): Promise<void> => {
    try {
      await events.publishRevocation(notice);
    } catch (err) {
      log.warn("revocation notice not published", { err });
    }
  };
  const activeOrThrow = async (room: string, identity: string): Promise<ParticipantRecord> => {
    const r = await store.get(room, identity);
    if (!r || r.state !== "active") throw notFound();
    return r;
  };

  const refreshWatched = async (): Promise<void> => {
    for (const { room, identity } of hub.watched()) {
      try {
        const r = await store.get(room, identity);
        if (r?.state === "active") hub.refreshed(r);
      } catch (err) {
        log.warn("periodic token refresh failed", { room, identity, err });
      }
    }
  };

  const registry: ParticipantRegistry = {
    liveState: index,
    async start() {
      if (index.loaded) return;
      // Subscribe before loading so no change from another process falls between the two.
      unsubscribeAll = events.subscribeAll((e) => {
        index.applyRecord(e.participant);
        if (e.revokedThrough !== undefined) revoked(e.participant.room, e.participant.identity, e.revokedThrough);
      });
      unsubscribeRevocations = events.subscribeRevocations((n) => revoked(n.room, n.identity, n.revokedThrough));
      index.load(await store.loadLiveState());
      stopTimer = deps.timers.every(settings.refreshIntervalSeconds * 1000, refreshWatched);
    },
    stop() {
      stopTimer?.();
      unsubscribeAll?.();
      unsubscribeRevocations?.();
      stopTimer = unsubscribeAll = unsubscribeRevocations = undefined;
    },
    async join(t) {
      ready();
      const g = t.grants;
      if (!g.video?.roomJoin) throw grantMissing("roomJoin");
      if (!g.video.room) throw invalidArgument("token", "names no room");
      if (!t.identity) throw invalidArgument("token", "names no identity");
      const candidate = joinCandidate(t, g.video.room, clock.nowMs());
      checkJoinLimits(candidate, settings.limits);
      // The store re-checks the watermark in the join's own step; the verifier's check may predate a removal.
      const participant = await store.join(candidate, t.issuedAt ?? t.notBefore);
      index.applyRecord(participant);
      const token = mint(participant);
      await publish({ cause: "joined", participant });
      return { participant, token };
    },
    async update(room, identity, changes) {
      checkUpdateLimits(changes, settings.limits);
      requireKey(room, identity);
      ready();
      // One update of a participant at a time in this process: concurrent ones would all read the same
      // version and all but one conflict, each retry costing a store round. Only other instances can conflict.
      return updates.run(participantKey(room, identity), async () => {
        const mayTry = retryGate();
        let attempt = 0;
        for (; mayTry(attempt); attempt++) {
          const cur = await activeOrThrow(room, identity);
          const next = applyUpdate(cur, changes, clock.nowMs());
          // LiveKit fires no claims change when nothing changed; neither a write nor a token.
          if (sameContent(cur, next)) return cur;
          const res = await store.update(next, cur.version);
          if (res.status === "missing") throw notFound();
          if (res.status === "conflict") continue;
          index.applyRecord(res.record);
          await publish({ cause: "updated", participant: res.record });
          return res.record;
        }
        log.warn("participant update gave up after conflicts", { room, identity, attempts: attempt });
        throw new RoomgateError("store_unavailable", { cause: new Error("too many concurrent updates") });
      });
    },
    async get(room, identity) {
      requireKey(room, identity);
      const r = await store.get(room, identity);
      if (!r) throw notFound();
      return r;
    },
    async list(room) {
      requireKey(room);
      return store.listActive(room);
    },
    async remove(room, identity, revokeTokens, revokeThroughSec) {
      requireKey(room, identity);
      if (revokeThroughSec !== undefined) checkRevokeThrough(revokeThroughSec, nowSeconds(clock));
      ready();
      const through = revokeThroughSec ?? nowSeconds(clock);
      const opts = revokeTokens ? { nowMs: clock.nowMs(), revokeThroughSec: through } : { nowMs: clock.nowMs() };
      let res = await store.remove(room, identity, opts);
      if (!res && revokeTokens) {
        // Revoking an identity that is not in the room is how a leaked, unused token is cut off.
        const mark = await store.revoke(room, identity, through);
        revoked(room, identity, mark);
        await publishRevocation({ room, identity, revokedThrough: mark });
        // A join that landed between the first removal and the watermark was not refused; remove it now.
        // Joins after the watermark with an older token are refused inside store.join.
        res = await store.remove(room, identity, opts);
        if (!res) return undefined;
      }
      if (!res) throw notFound();
      index.applyRecord(res.record);
      if (res.revokedThrough !== undefined) revoked(room, identity, res.revokedThrough);
      const event: ParticipantEvent = { cause: "removed", participant: res.record };
      if (res.revokedThrough !== undefined) event.revokedThrough = res.revokedThrough;
      await publish(event);
      return res.record;
    },
    async refresh(room, identity, by) {
      requireKey(room, identity);
      ready();
      // Taken before the read: an update that lands after it is stamped in this second or later and so covers the token.
      const asOf = nowSeconds(clock);
      const participant = await activeOrThrow(room, identity);
      const video = by ? videoForToken(participant, by.issuedAt ?? by.notBefore) : participant.video;
      if (video === participant.video) return { participant, token: mint(participant, asOf) };
      // Not the session's permission, so never the shared token of this version, which carries the session's.
      return { participant, token: mintFresh({ ...participant, video }, asOf) };
    },
    async watch(room, identity, listener) {
      requireKey(room, identity);
      ready();
      // Listen first, then read: a change in between arrives on the bus, and the version guard drops the older first token.
      return hub.open(room, identity, listener, () => activeOrThrow(room, identity));
    },
    onRevocation: (room, identity, listener) => hub.onRevocation(room, identity, listener),
    get watchStreams() {
      return hub.total;
    },
  };
  return registry;
}
