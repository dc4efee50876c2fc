import type { Logger } from "../../log.js";
import { createListenerSets, type EventCause, type ParticipantEvent, type ParticipantEvents } from "../events.js";
import { parseParticipantKey, participantKey, type ParticipantRecord } from "../model.js";
import type { ParticipantStore } from "../store.js";
import type { RawClient, RedisSettings } from "./connection.js";
import { decodeRecord, E, parseParticipantField, redisKeys } from "./codec.js";
import { prepareRedis } from "./instance.js";

/** How long one XREAD blocks; the reader's replies double as the liveness signal for the staleness bound. */
export const READ_BLOCK_MS = 500;
/** Entries read per XREAD; a full batch means the reader lags and checks for trimming. */
export const READ_BATCH = 500;

/** Participant events fed by the Redis stream, plus what the server needs to judge the instance's freshness. */
export interface RedisEvents extends ParticipantEvents {
  /** Records the stream position to read from; call before the registry loads its state, then `run`. */
  start(): Promise<void>;
  /** Starts the read loop (after the registry has loaded its state). */
  run(): void;
  /** Stops the read loop. */
  stop(): Promise<void>;
  /** Whether the live state is recent enough to answer from: the last contact is within max_staleness. */
  fresh(): boolean;
}

/** Dependencies of the stream reader. */
export interface RedisEventsOptions {
  /**
   * A dedicated connection: XREAD BLOCK holds it, and everything else the reader does (records,
   * stream position, resync, write-back) goes through it too, between reads. So the position is
   * judged and lost watermarks are written on the very server the stream is read from, even while
   * the instance's other connection still points at a primary Sentinel has just replaced.
   */
  reader: RawClient;
  /** A store over `reader`. */
  store: ParticipantStore;
  settings: RedisSettings;
  instanceId: string;
  log: Logger;
  /** Monotonic milliseconds (the staleness bound is about elapsed time, not the wall clock). */
  now: () => number;
}

interface Entry {
  field: string;
  cause: EventCause | "revoked";
  version: number;
  watermark?: number;
  origin: string;
}

function parseEntry(flat: readonly string[]): Entry | undefined {
  const h = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) h.set(flat[i]!, flat[i + 1]!);
  const cause = h.get(E.cause);
  const field = h.get(E.field);
  if (!field || !(cause === "joined" || cause === "updated" || cause === "removed" || cause === "revoked")) return undefined;
  const e: Entry = { field, cause, version: Number(h.get(E.version) ?? 0), origin: h.get(E.origin) ?? "" };
  if (h.has(E.watermark)) e.watermark = Number(h.get(E.watermark));
  return e;
}

// Stream ids compare as (ms, seq) pairs.
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am !== bm ? am - bm : as - bs;
}

/** How often a reader that saw no reconnect still checks that the stream was not trimmed past its cursor. */
export const GAP_CHECK_INTERVAL_MS = 5000;

interface Position {
  last: string;
  maxDeleted: string;
  added: number;
  length: number;
  first?: string;
  epoch: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fan-out through one Redis stream that the write scripts append to in the same atomic step
 * as the change. Each instance reads it from its own in-memory cursor (no consumer groups:
 * every instance needs every event); after a dropped connection it resumes from the cursor,
 * and when the cursor fell off the trimmed stream or Redis was wiped it resyncs from state.
 * Entries carry no tokens and no record bodies: a receiver reads the record and mints for its
 * own watchers. An instance skips its own entries; the registry delivered those already.
 */
export function createRedisEvents(opts: RedisEventsOptions): RedisEvents {
  const { reader, store, settings, log, now } = opts;
  const keys = redisKeys(settings.keyPrefix);
  const sets = createListenerSets(log);
  let cursor: string | undefined;
  let epoch: string | undefined;
  let needCheck = false;
  let stopped = false;
  let loop: Promise<void> | undefined;
  let lastOkAt = -Infinity;
  let readStartedAt: number | undefined;
  let lastCheckAt = -Infinity;
  // Entries the stream had added up to the cursor (XINFO entries-added), to tell a trimmed head from a quiet stream.
  let consumed = 0;
  // Every watermark this instance has seen, to write back if Redis loses data (bounded like the live index).
  const known = new Map<string, { room: string; identity: string; through: number }>();

  // Events carry no token: each instance's watch hub mints for its own watchers.
  const deliver = (event: ParticipantEvent, toWatchers: boolean): void => sets.deliver(event, toWatchers);
  const remember = (room: string, identity: string, through: number): void => {
    const k = participantKey(room, identity);
    const cur = known.get(k);
    if (!cur || cur.through < through) known.set(k, { room, identity, through });
  };
  const deliverRevocation = (room: string, identity: string, revokedThrough: number): void => {
    remember(room, identity, revokedThrough);
    sets.deliverRevocation({ room, identity, revokedThrough });
  };
  // When a record is newer than its entry, the newer version's own entry follows (or was this instance's).
  const readRecord = async (field: string): Promise<ParticipantRecord | undefined> => {
    const at = parseParticipantField(field);
    return at && decodeRecord((await reader.sendCommand(["HGETALL", keys.participant(at.room, at.identity)])) as string[]);
  };

  const apply = async (entries: Entry[]): Promise<void> => {
    const latest = new Map<string, Entry>();
    const removals = new Map<string, Entry>();
    for (const e of entries) {
      if (e.origin === opts.instanceId) continue;
      if (e.watermark !== undefined) {
        const at = parseParticipantField(e.field);
        if (at) deliverRevocation(at.room, at.identity, e.watermark);
      }
      if (e.cause === "revoked") continue;
      // Entries of one batch coalesce into the newest, but a removal is never merged away: a rejoin
      // after it is a new session, and the old one's watchers must see it end.
      if (e.cause === "removed") removals.set(e.field, e);
      latest.set(e.field, e);
    }
    const fetched = await Promise.all([...latest.values()].map(async (e) => ({ e, r: await readRecord(e.field) })));
    for (const { e, r } of fetched) {
      if (!r) continue;
      const removal = removals.get(e.field);
      if (removal && removal !== e && r.version > removal.version) {
        // The record has moved on; the removal is told with the version it had.
        deliver({ cause: "removed", participant: { ...r, state: "removed", version: removal.version } }, true);
      }
      const event: ParticipantEvent = { cause: e.cause as EventCause, participant: r };
      if (e.watermark !== undefined) event.revokedThrough = e.watermark;
      deliver(event, r.version === e.version);
    }
  };

  // Everything that could have been missed: every watermark and admin permission, and every locally watched record.
  const resync = async (): Promise<void> => {
    const live = await store.loadLiveState();
    for (const e of live) if (e.revokedThrough !== undefined) deliverRevocation(e.room, e.identity, e.revokedThrough);
    const pairs = new Map<string, { room: string; identity: string }>();
    for (const e of live) if (e.version > 0) pairs.set(participantKey(e.room, e.identity), e);
    for (const [k, set] of sets.byKey) {
      if (set.size === 0) continue;
      pairs.set(k, parseParticipantKey(k));
    }
    const records = await Promise.all([...pairs.values()].map((p) => store.get(p.room, p.identity)));
    for (const r of records) if (r) deliver({ cause: r.state === "removed" ? "removed" : "updated", participant: r }, true);
  };

  const position = async (): Promise<Position> => {
    const p: Position = { last: "0-0", maxDeleted: "0-0", added: 0, length: 0, epoch: null };
    try {
      const info = (await reader.sendCommand(["XINFO", "STREAM", keys.events])) as unknown[];
      for (let i = 0; i + 1 < info.length; i += 2) {
        const v = info[i + 1];
        if (info[i] === "last-generated-id") p.last = String(v);
        else if (info[i] === "max-deleted-entry-id") p.maxDeleted = String(v);
        else if (info[i] === "entries-added") p.added = Number(v);
        else if (info[i] === "length") p.length = Number(v);
        else if (info[i] === "first-entry" && Array.isArray(v)) p.first = String(v[0]);
      }
    } catch (err) {
      if (!(err instanceof Error) || !/no such key/i.test(err.message)) throw err;
    }
    p.epoch = (await reader.sendCommand(["GET", keys.epoch])) as string | null;
    return p;
  };

  // After a reconnect or a full batch: is everything after the cursor still in the stream?
  const check = async (): Promise<void> => {
    const p = await position();
    // Trimming (MAXLEN) removes from the head and, on Redis 7.0, leaves max-deleted-entry-id alone: entries
    // were lost when more were added after the cursor than the stream still holds after it.
    const headTrimmed = (p.first === undefined || compareIds(p.first, cursor!) > 0) && p.added - consumed > p.length;
    // A promoted replica may lack the newest entries and already hold newer ones another instance wrote:
    // then the stream does not go back in time, but the entry at the cursor is missing although the
    // stream still begins at or before it. (MAXLEN ~ trims whole nodes from the head, so a cursor
    // entry gone with the head, first entry past the cursor, is trimming, judged above, not loss.)
    const cursorGone = !headTrimmed && cursor !== "0-0" && p.first !== undefined && compareIds(p.first, cursor!) <= 0 &&
      compareIds(p.last, cursor!) >= 0 && ((await reader.sendCommand(["XRANGE", keys.events, cursor!, cursor!])) as unknown[]).length === 0;
    const lost = p.epoch !== epoch || compareIds(p.last, cursor!) < 0 || cursorGone;
    const gap = lost || headTrimmed || compareIds(p.maxDeleted, cursor!) > 0;
    if (!gap) return;
    log.warn("redis event stream has a gap (trimmed past this instance, or Redis lost data); resyncing from state", { epochChanged: p.epoch !== epoch });
    // A wiped Redis: claim (or check) the layout again, as at start, so every instance agrees on it.
    epoch = p.epoch ?? (await prepareRedis(reader, settings, log)).epoch;
    cursor = p.last;
    consumed = p.added;
    // Watermarks form a max-register: writing back what this instance saw can never lower one.
    if (lost && known.size > 0) {
      log.error("Redis lost data (wiped, replaced or rolled back); re-asserting the revocations this instance knows", { count: known.size });
      for (const w of [...known.values()]) await store.revoke(w.room, w.identity, w.through);
    }
    await resync();
  };

  const readOnce = async (): Promise<void> => {
    if (needCheck || now() - lastCheckAt > GAP_CHECK_INTERVAL_MS) {
      await check();
      needCheck = false;
      lastCheckAt = now();
    }
    readStartedAt = now();
    const reply = (await reader.sendCommand(["XREAD", "COUNT", String(READ_BATCH), "BLOCK", String(READ_BLOCK_MS), "STREAMS", keys.events, cursor!])) as
      | [string, [string, string[]][]][]
      | null;
    lastOkAt = now();
    // Processing the batch counts as contact still in progress (the staleness bound may be 0).
    readStartedAt = lastOkAt;
    const items = reply?.[0]?.[1] ?? [];
    const entries: Entry[] = [];
    for (const [, flat] of items) {
      const e = parseEntry(flat);
      if (e) entries.push(e);
    }
    // The cursor moves only once the batch is applied: a batch whose records could not be read is read again.
    await apply(entries);
    if (items.length > 0) {
      cursor = items[items.length - 1]![0];
      consumed += items.length;
    }
    if (items.length >= READ_BATCH) needCheck = true;
  };

  reader.on("ready", () => {
    needCheck = true;
  });

  return {
    async start() {
      const p = await position();
      cursor = p.last;
      consumed = p.added;
      epoch = p.epoch ?? undefined;
      lastOkAt = now();
    },
    run() {
      loop ??= (async () => {
        while (!stopped) {
          if (!reader.isReady) {
            readStartedAt = undefined;
            await sleep(25);
            continue;
          }
          try {
            await readOnce();
          } catch (err) {
            readStartedAt = undefined;
            if (stopped) break;
            needCheck = true;
            log.debug("redis event read failed", { error: err instanceof Error ? err.message : String(err) });
            await sleep(50);
          }
        }
      })();
    },
    async stop() {
      stopped = true;
      await loop;
    },
    fresh() {
      const t = now();
      if (t - lastOkAt <= settings.maxStalenessMs) return true;
      // A read blocking on a live connection is contact too, until it overruns its block time.
      return readStartedAt !== undefined && reader.isReady && t - readStartedAt <= READ_BLOCK_MS + Math.min(settings.timeoutMs, 1000);
    },
    // The write script already appended the change to the stream; only this process's listeners remain.
    async publish(event) {
      if (event.revokedThrough !== undefined) remember(event.participant.room, event.participant.identity, event.revokedThrough);
      deliver(event, true);
    },
    subscribe: sets.subscribe,
    subscribeAll: sets.subscribeAll,
    async publishRevocation(notice) {
      deliverRevocation(notice.room, notice.identity, notice.revokedThrough);
    },
    subscribeRevocations: sets.subscribeRevocations,
  };
}
