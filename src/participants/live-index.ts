import { RoomgateError } from "../core/errors.js";
import type { LiveParticipantState, LiveStateView } from "../core/live-state.js";
import { liveEntryOf, participantKey, type LiveEntry, type ParticipantRecord } from "./model.js";

/** An in-memory LiveStateView: verification reads it without I/O; the registry keeps it in step with the store. */
export interface LiveIndex extends LiveStateView {
  /** Synchronous: the index never does I/O; throws `store_unavailable` before `load`. */
  lookup(room: string, identity: string): Readonly<LiveParticipantState> | undefined;
  /** Replaces the contents with what the store holds (at start). */
  load(entries: readonly LiveEntry[]): void;
  /** Applies a stored participant record; older versions than the one held are ignored, so an older permission never replaces a newer one. */
  applyRecord(r: ParticipantRecord): void;
  /** Raises the watermark of (room, identity); never lowers it. */
  applyRevocation(room: string, identity: string, throughSec: number): void;
  /** The newest record version the index holds for (room, identity); 0 when it holds none. */
  versionOf(room: string, identity: string): number;
  /** Whether `load` has run. */
  readonly loaded: boolean;
}

interface Slot {
  state: LiveParticipantState;
  version: number;
}

/** Creates an empty index that refuses lookups until it is loaded. */
export function createLiveIndex(): LiveIndex {
  const slots = new Map<string, Slot>();
  let loaded = false;

  const slot = (room: string, identity: string): Slot => {
    const key = participantKey(room, identity);
    let s = slots.get(key);
    if (!s) slots.set(key, (s = { state: {}, version: 0 }));
    return s;
  };

  return {
    lookup(room, identity) {
      // Fail closed: before the load, a revoked token would look valid.
      if (!loaded) throw new RoomgateError("store_unavailable");
      const s = slots.get(participantKey(room, identity));
      // The index's own entry, read-only: VerifyToken looks up on every call, so no copy is made.
      return s?.state;
    },
    load(entries) {
      slots.clear();
      for (const e of entries) {
        const s = slot(e.room, e.identity);
        s.version = e.version;
        if (e.permission) s.state.permission = e.permission;
        if (e.permissionAtSec !== undefined) s.state.permissionAtSec = e.permissionAtSec;
        if (e.revokedThrough !== undefined) s.state.revokedThrough = e.revokedThrough;
      }
      loaded = true;
    },
    applyRecord(r) {
      const existing = slots.get(participantKey(r.room, r.identity));
      if (existing && existing.version >= r.version) return;
      const entry = liveEntryOf(r, r.room, r.identity, undefined);
      if (!entry && !existing) return;
      const s = existing ?? slot(r.room, r.identity);
      s.version = r.version;
      if (entry?.permission) s.state.permission = entry.permission;
      else delete s.state.permission;
      if (entry?.permissionAtSec !== undefined) s.state.permissionAtSec = entry.permissionAtSec;
      else delete s.state.permissionAtSec;
    },
    applyRevocation(room, identity, throughSec) {
      const s = slot(room, identity);
      s.state.revokedThrough = Math.max(s.state.revokedThrough ?? throughSec, throughSec);
    },
    versionOf(room, identity) {
      return slots.get(participantKey(room, identity))?.version ?? 0;
    },
    get loaded() {
      return loaded;
    },
  };
}
