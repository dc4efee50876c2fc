import type { ManualClock } from "../core/clock.js";

/** Repeating work; the callback may be async and is not re-entered while it runs. */
export type TimerCallback = () => void | Promise<void>;

/** Schedules repeating work, injected so tests move time by hand instead of sleeping. */
export interface Timers {
  /** Calls `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: TimerCallback): () => void;
}

/** Longest interval Node's timers take; a longer one silently becomes 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Real timers; they never keep the process alive on their own. */
export const systemTimers: Timers = {
  every(ms, fn) {
    if (!(ms > 0 && ms <= MAX_TIMER_MS)) throw new RangeError(`interval must be between 1 and ${MAX_TIMER_MS} ms`);
    let running = false;
    const handle = setInterval(() => {
      // A slow store must not pile up overlapping rounds.
      if (running) return;
      running = true;
      Promise.resolve()
        .then(fn)
        // Callers log their own failures; an escaped rejection must not crash the process.
        .catch(() => undefined)
        .finally(() => {
          running = false;
        });
    }, ms);
    handle.unref();
    return () => clearInterval(handle);
  },
};

/** Timers driven by a manual clock. */
export interface ManualTimers extends Timers {
  /** Moves the clock forward by `ms`, running every callback that falls due, in time order, and awaiting each. */
  advance(ms: number): Promise<void>;
  /** Number of scheduled repeating timers. */
  readonly pending: number;
}

interface Entry {
  ms: number;
  due: number;
  fn: TimerCallback;
}

/** Creates timers that fire only when `advance` moves `clock`. */
export function createManualTimers(clock: ManualClock): ManualTimers {
  const entries = new Set<Entry>();
  return {
    every(ms, fn) {
      if (!(ms > 0)) throw new RangeError("interval must be positive");
      const e: Entry = { ms, due: clock.nowMs() + ms, fn };
      entries.add(e);
      return () => {
        entries.delete(e);
      };
    },
    async advance(ms) {
      const target = clock.nowMs() + ms;
      for (;;) {
        let next: Entry | undefined;
        for (const e of entries) if (e.due <= target && (!next || e.due < next.due)) next = e;
        if (!next) break;
        clock.set(next.due);
        next.due += next.ms;
        await next.fn();
      }
      clock.set(target);
    },
    get pending() {
      return entries.size;
    },
  };
}
