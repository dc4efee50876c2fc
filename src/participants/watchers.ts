import { silentLogger, type Logger } from "../log.js";
import type { EventListener, ParticipantEvent } from "./events.js";
import { participantKey } from "./model.js";

/** One open watch stream of this process. */
export interface Watcher {
  /** Passes an event on unless it is older than one already delivered. */
  deliver: EventListener;
  /** Closes the watcher; calling it twice is harmless. */
  remove(): void;
}

/**
 * The watch streams open in this process. Periodic refreshes go only to
 * these, so each process refreshes its own streams and nobody listening
 * means nothing minted.
 */
export interface WatcherSet {
  /** Opens a watcher for (room, identity). */
  add(room: string, identity: string, listener: EventListener): Watcher;
  /** The (room, identity) pairs with at least one open watcher. */
  watched(): Array<{ room: string; identity: string }>;
  /** Delivers an event to every open watcher of its participant. */
  deliverLocal(event: ParticipantEvent): void;
}

/** Creates an empty watcher set. */
export function createWatcherSet(log: Logger = silentLogger): WatcherSet {
  const byKey = new Map<string, { room: string; identity: string; watchers: Set<Watcher> }>();

  return {
    add(room, identity, listener) {
      const key = participantKey(room, identity);
      let lastVersion = 0;
      let open = true;
      const w: Watcher = {
        deliver(event) {
          // Bus events and the first token race on subscribe; a stream never goes back in versions.
          if (!open || event.participant.version < lastVersion) return;
          lastVersion = event.participant.version;
          try {
            listener(event);
          } catch (err) {
            log.error("participant watcher failed", { cause: event.cause, err });
          }
        },
        remove() {
          open = false;
          const slot = byKey.get(key);
          if (!slot) return;
          slot.watchers.delete(w);
          if (slot.watchers.size === 0) byKey.delete(key);
        },
      };
      let slot = byKey.get(key);
      if (!slot) byKey.set(key, (slot = { room, identity, watchers: new Set() }));
      slot.watchers.add(w);
      return w;
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
