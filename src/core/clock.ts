/** A source of the current time; injected wherever time matters so tests never sleep. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The wall clock; the only place that reads it. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock tests move by hand. */
export interface ManualClock extends Clock {
  /** Sets the time to an absolute millisecond value. */
  set(ms: number): void;
  /** Moves the time forward by `ms`. */
  advance(ms: number): void;
}

/** Creates a clock that starts at `startMs` and only moves when told to. */
export function manualClock(startMs: number): ManualClock {
  let now = startMs;
  return {
    nowMs: () => now,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Whole seconds since the epoch, as JWT NumericDate claims use. */
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}
