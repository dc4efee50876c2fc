/** Counts roomgate's own calls in flight, so shutdown knows when only other services' streams remain. */
export interface CallTracker {
  /** Marks a call started; the returned function marks it finished (calling it twice is harmless). */
  begin(): () => void;
  /** Resolves once no call is in flight. */
  idle(): Promise<void>;
}

/** Creates an empty tracker. */
export function createCallTracker(): CallTracker {
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const settle = (): void => {
    if (inFlight > 0) return;
    for (const w of waiters) w();
    waiters = [];
  };
  return {
    begin() {
      inFlight++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inFlight--;
        settle();
      };
    },
    idle() {
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}
