/** Runs tasks one at a time per key; tasks of different keys run concurrently. */
export interface KeyLock {
  /** Runs `task` after every earlier task of `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * Creates a per-key lock. The registry serializes read-modify-write cycles of one participant
 * inside the process, so concurrent admins of one instance never conflict with each other and
 * a shared store (Redis) only sees contention between instances.
 */
export function createKeyLock(): KeyLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const prev = tails.get(key) ?? Promise.resolve();
      const next = prev.then(task, task);
      const tail = next.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
  };
}
