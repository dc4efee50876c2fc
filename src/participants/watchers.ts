import { RoomgateError } from "../core/errors.js";
import type { MintedToken } from "../core/minting.js";
import { silentLogger, type Logger } from "../log.js";
import type { ParticipantEvent } from "./events.js";
import { participantKey } from "./model.js";

/** An event as a watcher receives it: with the participant's shared refreshed token, except for `removed`. */
export interface WatchEvent extends ParticipantEvent {
  token?: MintedToken;
}

/** Receives watch events; must not throw (a throwing listener is logged and skipped). */
export type WatchListener = (event: WatchEvent) => void;

/** One open watch stream of this process. */
export interface Watcher {
  /**
   * Passes an event on unless it is older than one already delivered, or repeats the version of
   * one already delivered (only a `refreshed` may: it carries a newer token). Until `start`,
   * only the newest event is held.
   */
  deliver: WatchListener;
  /** Delivers the stream's first event (the state read after listening began), then the held event if it is newer. */
  start(first: WatchEvent): void;
  /** Closes the watcher and frees its place under the limits; calling it twice is harmless. */
  remove(): void;
}

/** How many watchers a process holds (contract §9). */
export interface WatcherLimits {
  /** Open watchers of one participant. */
  perParticipant: number;
  /** Open watchers in all. */
  total: number;
}

/** Dependencies of a watcher set. */
export interface WatcherSetDeps {
  limits: WatcherLimits;
  log?: Logger;
  /** Called when a participant gets its first watcher (the registry starts listening for it then). */
  onFirst?(room: string, identity: string): void;
  /** Called when a participant's last watcher goes (the registry stops listening and drops its token). */
  onLast?(room: string, identity: string): void;
}

/**
 * The watch streams open in this process. Periodic refreshes go only to
 * these, so each process refreshes its own streams and nobody listening
 * means nothing minted.
 */
export interface WatcherSet {
  /** Opens a watcher for (room, identity); beyond the limits it throws RESOURCE_EXHAUSTED `watch_limit`. */
  add(room: string, identity: string, listener: WatchListener): Watcher;
  /** Open watchers of (room, identity). */
  count(room: string, identity: string): number;
  /** Open watchers in all. */
  readonly total: number;
  /** The (room, identity) pairs with at least one open watcher. */
  watched(): Array<{ room: string; identity: string }>;
  /** Delivers an event to every open watcher of its participant. */
  deliverLocal(event: WatchEvent): void;
}

/** Creates an empty watcher set. */
export function createWatcherSet(deps: WatcherSetDeps): WatcherSet {
  const log = deps.log ?? silentLogger;
  const byKey = new Map<string, { room: string; identity: string; watchers: Set<Watcher> }>();
  let total = 0;

  return {
    add(room, identity, listener) {
      const key = participantKey(room, identity);
      const existing = byKey.get(key);
      if (total >= deps.limits.total || (existing?.watchers.size ?? 0) >= deps.limits.perParticipant) throw new RoomgateError("watch_limit");
      let lastVersion = 0;
      let open = true;
      // Events that arrive while the first state is read: each carries the whole participant, so the newest is
      // enough, except that a removal is kept apart: a rejoin after it is a new session, and this one must end.
      let held: WatchEvent | undefined;
      let heldRemoval: WatchEvent | undefined;
      let started = false;
      const pass = (event: WatchEvent): void => {
        const v = event.participant.version;
        if (!open || v < lastVersion || (v === lastVersion && event.cause !== "refreshed")) return;
        lastVersion = v;
        try {
          listener(event);
        } catch (err) {
          log.error("participant watcher failed", { cause: event.cause, err });
        }
      };
      const w: Watcher = {
        deliver(event) {
          if (started) pass(event);
          else if (event.cause === "removed") {
            if (!heldRemoval || event.participant.version > heldRemoval.participant.version) heldRemoval = event;
          } else if (!held || event.participant.version >= held.participant.version) held = event;
        },
        start(first) {
          if (started) return;
          started = true;
          pass(first);
          const v = first.participant.version;
          // A removal newer than the first state ends the stream; what came after it belongs to a later session.
          if (heldRemoval && heldRemoval.participant.version > v) pass(heldRemoval);
          else if (held && held.participant.version > v) pass(held);
          held = heldRemoval = undefined;
        },
        remove() {
          if (!open) return;
          open = false;
          total--;
          const slot = byKey.get(key);
          if (!slot) return;
          slot.watchers.delete(w);
          if (slot.watchers.size > 0) return;
          byKey.delete(key);
          deps.onLast?.(room, identity);
        },
      };
      total++;
      if (existing) existing.watchers.add(w);
      else {
        byKey.set(key, { room, identity, watchers: new Set([w]) });
        deps.onFirst?.(room, identity);
      }
      return w;
    },
    count(room, identity) {
      return byKey.get(participantKey(room, identity))?.watchers.size ?? 0;
    },
    get total() {
      return total;
    },
    watched() {
      return [...byKey.values()].map(({ room, identity }) => ({ room, identity }));
    },
    deliverLocal(event) {
      const slot = byKey.get(participantKey(event.participant.room, event.participant.identity));
      if (slot) for (const w of [...slot.watchers]) w.deliver(event);
    },
  };
}
