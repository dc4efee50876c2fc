import type { EventCause } from "./events.js";

/** What the queue needs to know of an event: its cause and the participant version it carries. */
export interface QueuedEvent {
  cause: EventCause;
  participant: { version: number };
}

/**
 * The events a watch stream holds while its client does not read. Bounded: past
 * `capacity` the oldest are dropped, so what is pending coalesces into the newest
 * (each event carries the whole participant and the latest token, so only
 * superseded ones are lost). Versions never go back, and a `removed` is final:
 * nothing is queued after it, so it is always the newest and never dropped.
 */
export interface WatchQueue<E extends QueuedEvent> {
  /** Queues an event; one older than an event already queued or taken, or anything after `removed`, is ignored. Returns whether it was queued. */
  push(e: E): boolean;
  /** Takes the oldest pending event. */
  shift(): E | undefined;
  /** Number of pending events. */
  readonly length: number;
  /** Whether a `removed` was queued (the stream's last event). */
  readonly final: boolean;
}

/** Creates an empty queue holding at most `capacity` (at least 1) events. */
export function createWatchQueue<E extends QueuedEvent>(capacity: number): WatchQueue<E> {
  if (!(Number.isSafeInteger(capacity) && capacity >= 1)) throw new RangeError("capacity must be a positive whole number");
  const items: E[] = [];
  let lastVersion = 0;
  let final = false;
  return {
    push(e) {
      if (final || e.participant.version < lastVersion) return false;
      lastVersion = e.participant.version;
      final = e.cause === "removed";
      items.push(e);
      if (items.length > capacity) items.splice(0, items.length - capacity);
      return true;
    },
    shift: () => items.shift(),
    get length() {
      return items.length;
    },
    get final() {
      return final;
    },
  };
}
