import { join as joinPath } from "node:path";
import Database from "better-sqlite3";

/** File name of the lock database inside a data directory. */
export const LOCK_FILE = "roomgate.lock";

/**
 * A start-up failure of the embedded store: the message names the file (or
 * directory) and SQLite's own cause, so an operator can act on it.
 */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
}

/** SQLite's words for a failure, with its code when it has one ("file is not a database (SQLITE_NOTADB)"). */
export function sqliteCause(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * Opens `path` and runs `setup` on it; any failure (unreadable, not a
 * database, corrupt, newer schema) closes the handle and becomes a
 * StoreOpenError naming the file. better-sqlite3 opens lazily, so a garbage
 * file only fails on the first statement: `setup` must touch the file.
 */
export function openSqliteFile(path: string, setup: (db: Database.Database) => void): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    setup(db);
    return db;
  } catch (err) {
    if (db?.open) db.close();
    throw new StoreOpenError(`cannot open participant store ${path}: ${sqliteCause(err)}`, { cause: err });
  }
}

/** Holds a data directory for this process; `release` lets another server take it. */
export interface DataDirLock {
  /** The lock database's path. */
  readonly path: string;
  release(): void;
}

/**
 * Takes the data directory for this process with SQLite's own exclusive
 * locking on a small lock database: `locking_mode=EXCLUSIVE` plus a write
 * keeps the file's exclusive lock until the handle closes, and the operating
 * system drops it when the process dies (kill -9 included), so a crashed
 * server never leaves a stale lock behind as a pid file would. A second
 * holder, in this process or another, is refused at once with a message
 * naming the directory.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = joinPath(dataDir, LOCK_FILE);
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma("busy_timeout = 0");
    db.pragma("locking_mode = EXCLUSIVE");
    // A real write: only a write makes SQLite take (and, in this mode, keep) the exclusive lock.
    db.exec(`CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY CHECK (id = 1), takes INTEGER NOT NULL);
             INSERT INTO lock (id, takes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET takes = takes + 1`);
  } catch (err) {
    if (db?.open) db.close();
    if ((err as { code?: unknown }).code === "SQLITE_BUSY") {
      throw new StoreOpenError(`data directory ${dataDir} is in use by another roomgate server (one server per data directory; its lock ${path} is held)`, { cause: err });
    }
    throw new StoreOpenError(`cannot lock data directory ${dataDir} (${path}): ${sqliteCause(err)}`, { cause: err });
  }
  const held = db;
  return {
    path,
    release: () => {
      if (held.open) held.close();
    },
  };
}
