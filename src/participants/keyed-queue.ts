/** Runs tasks one at a time per key, in arrival order; different keys run concurrently. */
export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * A per-key chain of promises. Only keys with a task queued or running are
 * held, so the memory it uses is bounded by the calls in flight.
 */
export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const prev = tails.get(key);
      const result = prev === undefined ? task() : prev.then(task, task);
      const tail = result.then(() => undefined, () => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
