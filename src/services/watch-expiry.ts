import type { Clock } from "../core/clock.js";
import type { Timers } from "../participants/timers.js";

/** How often open streams are checked for an expired caller token: a stream ends at most this late. */
export const EXPIRY_SWEEP_MS = 1000;

/**
 * Deadlines of open streams, checked by one shared sweep rather than a timer per
 * stream: the cost is one interval in all and a scan per sweep, and the sweep runs
 * only while some stream is open. Reads the injected clock, so tests move time by hand.
 */
export interface ExpirySweep {
  /** Calls `onDue` once, at the first sweep at or after `atMs`; returns the way to cancel. */
  add(atMs: number, onDue: () => void): () => void;
  /** Number of pending deadlines. */
  readonly size: number;
}

interface Entry {
  atMs: number;
  onDue: () => void;
}

/** Creates an empty sweep. */
export function createExpirySweep(clock: Clock, timers: Timers, periodMs = EXPIRY_SWEEP_MS): ExpirySweep {
  const entries = new Set<Entry>();
  let stopTimer: (() => void) | undefined;

  const sweep = (): void => {
    const now = clock.nowMs();
    for (const e of [...entries]) {
      if (e.atMs > now) continue;
      entries.delete(e);
      e.onDue();
    }
    if (entries.size === 0) {
      stopTimer?.();
      stopTimer = undefined;
    }
  };

  return {
    add(atMs, onDue) {
      const e: Entry = { atMs, onDue };
      entries.add(e);
      stopTimer ??= timers.every(periodMs, sweep);
      return () => {
        entries.delete(e);
        if (entries.size > 0) return;
        stopTimer?.();
        stopTimer = undefined;
      };
    },
    get size() {
      return entries.size;
    },
  };
}
