import type Database from "better-sqlite3";

/** How many transactions (one fsync each) carried how many acknowledged writes. */
export interface CommitStats {
  /** Successful COMMITs. */
  flushes: number;
  /** Writes acknowledged by those COMMITs (failed writes rolled back to their savepoint are not counted). */
  writes: number;
}

/** Test hooks of the group committer. */
export interface GroupCommitHooks {
  /** Runs inside the batch's transaction right before COMMIT; a throw counts as a failed COMMIT. */
  beforeCommit?: (db: Database.Database) => void;
}

/** Queues writes and commits those of one event-loop turn together. */
export interface GroupCommitter {
  /**
   * Runs `body` inside a shared IMMEDIATE transaction, under a savepoint of its own, and resolves
   * with its result only after the transaction's COMMIT. A throw from `body` rolls back that write
   * alone; a failed COMMIT rejects every write of the batch.
   */
  write<T>(body: () => T): Promise<T>;
  /** Commits what is queued now, synchronously (before the database closes). */
  flushNow(): void;
  stats(): CommitStats;
}

interface Pending {
  body: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

// Bounds the time one transaction holds the write lock and the event loop.
const MAX_BATCH = 512;

/**
 * Group commit for a synchronous SQLite handle. Writes that arrive in one
 * event-loop turn (all requests read in one poll phase) are queued and run
 * together in a `setImmediate`, in arrival order, so N concurrent writes cost
 * one BEGIN IMMEDIATE / COMMIT and one fsync (with `synchronous=FULL`)
 * instead of N, with the same guarantee: nothing is acknowledged before the
 * COMMIT that makes it durable.
 */
export function createGroupCommitter(db: Database.Database, hooks: GroupCommitHooks = {}): GroupCommitter {
  const stmt = {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    savepoint: db.prepare("SAVEPOINT w"),
    release: db.prepare("RELEASE w"),
    rollbackTo: db.prepare("ROLLBACK TO w"),
  };
  const stats: CommitStats = { flushes: 0, writes: 0 };
  let queue: Pending[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  const failAll = (batch: Pending[], err: unknown): void => {
    if (db.open && db.inTransaction) {
      try {
        stmt.rollback.run();
      } catch {
        // The handle is unusable; the writes are failed below either way, and SQLite rolls back on close.
      }
    }
    for (const w of batch) w.reject(err);
  };

  const flush = (batch: Pending[]): void => {
    try {
      stmt.begin.run();
    } catch (err) {
      failAll(batch, err);
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    for (const w of batch) {
      try {
        stmt.savepoint.run();
        const value = w.body();
        stmt.release.run();
        outcomes.push({ ok: true, value });
      } catch (err) {
        // SQLite rolls back the whole transaction by itself on some errors (IOERR, FULL, NOMEM):
        // then the writes before this one are gone too, and the batch fails as a whole.
        if (!db.inTransaction) {
          failAll(batch, err);
          return;
        }
        try {
          stmt.rollbackTo.run();
          stmt.release.run();
        } catch (undoErr) {
          failAll(batch, undoErr);
          return;
        }
        outcomes.push({ ok: false, value: err });
      }
    }
    try {
      hooks.beforeCommit?.(db);
      stmt.commit.run();
    } catch (err) {
      failAll(batch, err);
      return;
    }
    stats.flushes++;
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        stats.writes++;
        w.resolve(o.value);
      } else {
        w.reject(o.value);
      }
    });
  };

  const nextBatch = (): Pending[] => {
    const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH);
    queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH);
    return batch;
  };
  const runBatch = (batch: Pending[]): void => {
    if (db.open) flush(batch);
    else failAll(batch, new TypeError("The database connection is not open"));
  };
  const drain = (): void => {
    scheduled = undefined;
    if (queue.length > 0) runBatch(nextBatch());
    // Later writes wait for the next turn, so one huge backlog cannot starve the event loop.
    if (queue.length > 0) scheduled = setImmediate(drain);
  };

  return {
    write: <T>(body: () => T) =>
      new Promise<T>((resolve, reject) => {
        queue.push({ body, resolve: resolve as (v: unknown) => void, reject });
        scheduled ??= setImmediate(drain);
      }),
    flushNow: () => {
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
      while (queue.length > 0) runBatch(nextBatch());
    },
    stats: () => ({ ...stats }),
  };
}
