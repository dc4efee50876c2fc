import { RoomgateError, tokenError } from "../core/errors.js";
import { cloneRecord, isRevoked, liveEntryOf, markRemoved, mergeJoin, participantKey, type LiveEntry, type ParticipantRecord } from "./model.js";
import type { ParticipantStore, RemoveResult, UpdateResult } from "./store.js";

/** Creates a store that keeps everything in this instance's Maps (unit tests, throw-away runs). */
export function createMemoryParticipantStore(): ParticipantStore {
  const records = new Map<string, ParticipantRecord>();
  const watermarks = new Map<string, { room: string; identity: string; through: number }>();
  let closed = false;

  // Mirrors the embedded store: a closed store is unavailable, not empty.
  const ready = (): void => {
    if (closed) throw new RoomgateError("store_unavailable");
  };
  const raise = (room: string, identity: string, throughSec: number): number => {
    const key = participantKey(room, identity);
    const through = Math.max(watermarks.get(key)?.through ?? throughSec, throughSec);
    watermarks.set(key, { room, identity, through });
    return through;
  };

  return {
    async get(room, identity) {
      ready();
      const r = records.get(participantKey(room, identity));
      return r && cloneRecord(r);
    },
    async listActive(room) {
      ready();
      return [...records.values()]
        .filter((r) => r.room === room && r.state === "active")
        .sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0))
        .map(cloneRecord);
    },
    async countActive() {
      ready();
      return [...records.values()].filter((r) => r.state === "active").length;
    },
    async join(candidate, issuedAtSec) {
      ready();
      const key = participantKey(candidate.room, candidate.identity);
      if (isRevoked(issuedAtSec, watermarks.get(key)?.through)) throw tokenError("token_revoked");
      const next = mergeJoin(records.get(key), candidate, issuedAtSec);
      records.set(key, next);
      return cloneRecord(next);
    },
    async update(next, expectedVersion): Promise<UpdateResult> {
      ready();
      const key = participantKey(next.room, next.identity);
      const cur = records.get(key);
      if (!cur) return { status: "missing" };
      if (cur.version !== expectedVersion) return { status: "conflict" };
      const stored = { ...cloneRecord(next), version: expectedVersion + 1 };
      records.set(key, stored);
      return { status: "ok", record: cloneRecord(stored) };
    },
    async remove(room, identity, opts): Promise<RemoveResult | undefined> {
      ready();
      const key = participantKey(room, identity);
      const cur = records.get(key);
      if (cur?.state !== "active") return undefined;
      const next = markRemoved(cur, opts.nowMs);
      records.set(key, next);
      const out: RemoveResult = { record: cloneRecord(next) };
      if (opts.revokeThroughSec !== undefined) out.revokedThrough = raise(room, identity, opts.revokeThroughSec);
      else if (watermarks.has(key)) out.revokedThrough = watermarks.get(key)!.through;
      return out;
    },
    async revoke(room, identity, throughSec) {
      ready();
      return raise(room, identity, throughSec);
    },
    async revokedThrough(room, identity) {
      ready();
      return watermarks.get(participantKey(room, identity))?.through;
    },
    async loadLiveState() {
      ready();
      const out: LiveEntry[] = [];
      const keys = new Set([...records.keys(), ...watermarks.keys()]);
      for (const key of keys) {
        const r = records.get(key);
        const w = watermarks.get(key);
        const [room, identity] = r ? [r.room, r.identity] : [w!.room, w!.identity];
        const entry = liveEntryOf(r, room, identity, w?.through);
        if (entry) out.push(entry);
      }
      return out;
    },
    async close() {
      closed = true;
    },
  };
}
