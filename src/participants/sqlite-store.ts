import { mkdirSync } from "node:fs";
import { join as joinPath } from "node:path";
import type Database from "better-sqlite3";
import { RoomgateError, tokenError } from "../core/errors.js";
import { createGroupCommitter, type CommitStats, type GroupCommitHooks } from "./group-commit.js";
import { isRevoked, liveEntryOf, markRemoved, mergeJoin, type LiveEntry, type ParticipantRecord } from "./model.js";
import { COLUMNS, fromRow, migrate, toRow, type ParticipantRow } from "./sqlite-schema.js";
import { lockDataDir, openSqliteFile, StoreOpenError, sqliteCause, type DataDirLock } from "./sqlite-open.js";
import type { ParticipantStore, RemoveResult, UpdateResult } from "./store.js";

/** Where and how the embedded store opens its file. */
export interface SqliteStoreOptions {
  /** Directory of the database file; created when missing. */
  dataDir: string;
  /** File name inside `dataDir`. */
  fileName?: string;
  /** How long a write waits for another connection's lock before failing (SQLITE_BUSY). */
  busyTimeoutMs?: number;
  /** Test hooks of the group commit (a failing COMMIT). */
  commitHooks?: GroupCommitHooks;
}

/** The embedded store, which also counts its commits (for the benchmark's updates per fsync). */
export interface SqliteParticipantStore extends ParticipantStore {
  /** COMMITs so far and the writes they acknowledged. */
  commitStats(): CommitStats;
}

/** Default database file name inside the data directory. */
export const DEFAULT_DB_FILE = "participants.db";

// An existing row is rewritten in place (cheaper than REPLACE's delete and insert).
const UPDATE_ROW = `UPDATE participants SET ${COLUMNS.filter((c) => c !== "room" && c !== "identity").map((c) => `${c} = @${c}`).join(", ")} WHERE room = @room AND identity = @identity`;
const INSERT_OR_REPLACE = `INSERT OR REPLACE INTO participants (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((c) => `@${c}`).join(", ")})`;

// Anything better-sqlite3 raises (SqliteError: BUSY, IOERR, FULL, CORRUPT…; TypeError on a closed
// handle) means the store cannot answer; callers see one reason and the cause goes to the logs.
function unavailable(cause: unknown): RoomgateError {
  return cause instanceof RoomgateError ? cause : new RoomgateError("store_unavailable", { cause });
}

/**
 * Opens (creating and migrating as needed) the embedded participant store,
 * after taking the data directory's lock (one server per data directory).
 * WAL with `synchronous=FULL`: a change is fsynced before it is acknowledged,
 * so it survives `kill -9` and power loss. Concurrent changes share one
 * transaction and one fsync (group commit). Throws StoreOpenError, naming the
 * directory or file and SQLite's cause, when the store cannot be opened.
 */
export function createSqliteParticipantStore(opts: SqliteStoreOptions): SqliteParticipantStore {
  try {
    mkdirSync(opts.dataDir, { recursive: true });
  } catch (err) {
    throw new StoreOpenError(`cannot create data directory ${opts.dataDir}: ${sqliteCause(err)}`, { cause: err });
  }
  const lock: DataDirLock = lockDataDir(opts.dataDir);
  let db: Database.Database;
  try {
    db = openSqliteFile(joinPath(opts.dataDir, opts.fileName ?? DEFAULT_DB_FILE), (d) => {
      d.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
      d.pragma("journal_mode = WAL");
      d.pragma("synchronous = FULL");
      migrate(d);
    });
  } catch (err) {
    lock.release();
    throw err;
  }

  const q = {
    get: db.prepare<[string, string], ParticipantRow>("SELECT * FROM participants WHERE room = ? AND identity = ?"),
    // An update only compares versions: no need to decode the whole row.
    version: db.prepare<[string, string], number>("SELECT version FROM participants WHERE room = ? AND identity = ?").pluck(),
    list: db.prepare<[string], ParticipantRow>("SELECT * FROM participants WHERE room = ? AND state = 'active' ORDER BY identity"),
    put: db.prepare(INSERT_OR_REPLACE),
    rewrite: db.prepare(UPDATE_ROW),
    countActive: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM participants WHERE state = 'active'"),
    live: db.prepare<[], ParticipantRow & { revoked_through: number | null }>(
      `SELECT p.*, v.revoked_through FROM participants p LEFT JOIN revocations v USING (room, identity)
       WHERE p.admin_permission IS NOT NULL OR v.revoked_through IS NOT NULL`,
    ),
    orphanMarks: db.prepare<[], { room: string; identity: string; revoked_through: number }>(
      `SELECT room, identity, revoked_through FROM revocations v
       WHERE NOT EXISTS (SELECT 1 FROM participants p WHERE p.room = v.room AND p.identity = v.identity)`,
    ),
    mark: db.prepare<[string, string], { revoked_through: number }>("SELECT revoked_through FROM revocations WHERE room = ? AND identity = ?"),
    raise: db.prepare<[string, string, number]>(
      `INSERT INTO revocations (room, identity, revoked_through) VALUES (?, ?, ?)
       ON CONFLICT (room, identity) DO UPDATE SET revoked_through = max(revoked_through, excluded.revoked_through)`,
    ),
  };

  const read = (room: string, identity: string): ParticipantRecord | undefined => {
    const row = q.get.get(room, identity);
    return row && fromRow(row);
  };
  const watermark = (room: string, identity: string): number | undefined => q.mark.get(room, identity)?.revoked_through;
  const raise = (room: string, identity: string, throughSec: number): number => {
    q.raise.run(room, identity, throughSec);
    return watermark(room, identity)!;
  };

  // Each change runs inside the group's IMMEDIATE transaction (a savepoint of its own): the write
  // lock is taken before the read, so the read-check-write of a change cannot interleave with
  // another connection's, and a change that throws is undone alone.
  const joinTx = (candidate: ParticipantRecord, issuedAtSec: number | undefined) => {
    if (isRevoked(issuedAtSec, watermark(candidate.room, candidate.identity))) throw tokenError("token_revoked");
    const next = mergeJoin(read(candidate.room, candidate.identity), candidate, issuedAtSec);
    q.put.run(toRow(next));
    return next;
  };
  const updateTx = (next: ParticipantRecord, expected: number): UpdateResult => {
    const version = q.version.get(next.room, next.identity);
    if (version === undefined) return { status: "missing" };
    if (version !== expected) return { status: "conflict" };
    const stored = { ...next, version: expected + 1 };
    q.rewrite.run(toRow(stored));
    return { status: "ok", record: stored };
  };
  const removeTx = (room: string, identity: string, nowMs: number, revokeThroughSec?: number) => {
    const cur = read(room, identity);
    if (cur?.state !== "active") return undefined;
    const next = markRemoved(cur, nowMs);
    q.put.run(toRow(next));
    const out: RemoveResult = { record: next };
    const through = revokeThroughSec === undefined ? watermark(room, identity) : raise(room, identity, revokeThroughSec);
    if (through !== undefined) out.revokedThrough = through;
    return out;
  };
  const revokeTx = (room: string, identity: string, throughSec: number) => raise(room, identity, throughSec);

  // better-sqlite3 is synchronous; the async signature is for networked stores.
  const run = async <T>(fn: () => T): Promise<T> => {
    try {
      if (!db.open) throw new RoomgateError("store_unavailable");
      return fn();
    } catch (err) {
      throw unavailable(err);
    }
  };
  const group = createGroupCommitter(db, opts.commitHooks);
  const write = async <T>(fn: () => T): Promise<T> => {
    if (!db.open) throw new RoomgateError("store_unavailable");
    return group.write(fn).catch((err: unknown) => {
      throw unavailable(err);
    });
  };

  return {
    get: (room, identity) => run(() => read(room, identity)),
    listActive: (room) => run(() => q.list.all(room).map(fromRow)),
    join: (candidate, issuedAtSec) => write(() => joinTx(candidate, issuedAtSec)),
    update: (next, expectedVersion) => write(() => updateTx(next, expectedVersion)),
    remove: (room, identity, o) => write(() => removeTx(room, identity, o.nowMs, o.revokeThroughSec)),
    revoke: (room, identity, throughSec) => write(() => revokeTx(room, identity, throughSec)),
    countActive: () => run(() => q.countActive.get()!.n),
    revokedThrough: (room, identity) => run(() => watermark(room, identity)),
    loadLiveState: () =>
      run(() =>
        db.transaction(() => {
          const out: LiveEntry[] = [];
          for (const row of q.live.all()) {
            const entry = liveEntryOf(fromRow(row), row.room, row.identity, row.revoked_through ?? undefined);
            if (entry) out.push(entry);
          }
          for (const m of q.orphanMarks.all()) out.push(liveEntryOf(undefined, m.room, m.identity, m.revoked_through)!);
          return out;
        })(),
      ),
    commitStats: () => group.stats(),
    close: async () => {
      if (db.open) {
        group.flushNow();
        db.close();
      }
      lock.release();
    },
  };
}
