import type { Database } from "better-sqlite3";
import { toPermission, type JsonObject, type ParticipantPermission, type VideoGrant } from "../core/grants.js";
import type { ParticipantRecord, ParticipantStateName } from "./model.js";

/** One schema step: SQL, or code for a step SQL alone cannot express. */
export type Migration = string | ((db: Database) => void);

// Schema 2 (latest decision wins): the admin permission is stored with the second of its update. A row an
// admin updated under schema 1 gets its current permission, stamped with its updated_at second.
function adminPermissionWithSecond(db: Database): void {
  db.exec(`ALTER TABLE participants ADD COLUMN admin_permission TEXT;
           ALTER TABLE participants ADD COLUMN admin_permission_at INTEGER;`);
  const rows = db
    .prepare<[], { room: string; identity: string; video: string; updated_at_ms: number }>(
      "SELECT room, identity, video, updated_at_ms FROM participants WHERE permission_set_by_admin = 1",
    )
    .all();
  const set = db.prepare<[string, number, string, string]>(
    "UPDATE participants SET admin_permission = ?, admin_permission_at = ? WHERE room = ? AND identity = ?",
  );
  for (const r of rows) {
    set.run(JSON.stringify(toPermission(JSON.parse(r.video) as VideoGrant)), Math.floor(r.updated_at_ms / 1000), r.room, r.identity);
  }
  db.exec("ALTER TABLE participants DROP COLUMN permission_set_by_admin");
}

/**
 * Ordered migrations; entry i takes the schema from version i to i + 1
 * (`PRAGMA user_version`). Append only: a shipped entry is never edited.
 */
export const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE participants (
     room TEXT NOT NULL,
     identity TEXT NOT NULL,
     name TEXT NOT NULL,
     metadata TEXT NOT NULL,
     attributes TEXT NOT NULL,
     kind TEXT NOT NULL,
     video TEXT NOT NULL,
     permission_set_by_admin INTEGER NOT NULL,
     room_config TEXT,
     room_preset TEXT,
     state TEXT NOT NULL CHECK (state IN ('active', 'removed')),
     joined_at_ms INTEGER NOT NULL,
     updated_at_ms INTEGER NOT NULL,
     version INTEGER NOT NULL,
     join_expires_at INTEGER NOT NULL,
     PRIMARY KEY (room, identity)
   ) WITHOUT ROWID;
   CREATE INDEX participants_active_by_room ON participants (room, identity) WHERE state = 'active';
   CREATE TABLE revocations (
     room TEXT NOT NULL,
     identity TEXT NOT NULL,
     revoked_through INTEGER NOT NULL,
     PRIMARY KEY (room, identity)
   ) WITHOUT ROWID;`,
  adminPermissionWithSecond,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to SCHEMA_VERSION, one transaction per step; refuses a newer file. */
export function migrate(db: Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`participant store schema version ${current} is newer than supported ${SCHEMA_VERSION}`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      const step = MIGRATIONS[v]!;
      if (typeof step === "string") db.exec(step);
      else step(db);
      // user_version cannot take a bound parameter; v is our own integer.
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** A `participants` row as better-sqlite3 returns it. */
export interface ParticipantRow {
  room: string;
  identity: string;
  name: string;
  metadata: string;
  attributes: string;
  kind: string;
  video: string;
  room_config: string | null;
  room_preset: string | null;
  state: string;
  joined_at_ms: number;
  updated_at_ms: number;
  version: number;
  join_expires_at: number;
  /** JSON of the latest admin ParticipantPermission, or NULL. */
  admin_permission: string | null;
  /** Unix second of that update; set exactly when admin_permission is. */
  admin_permission_at: number | null;
}

/** Named parameters for INSERT/UPDATE of one participant. */
export function toRow(r: ParticipantRecord): ParticipantRow {
  return {
    room: r.room,
    identity: r.identity,
    name: r.name,
    metadata: r.metadata,
    attributes: JSON.stringify(r.attributes),
    kind: r.kind,
    video: JSON.stringify(r.video),
    room_config: r.roomConfig === undefined ? null : JSON.stringify(r.roomConfig),
    room_preset: r.roomPreset ?? null,
    state: r.state,
    joined_at_ms: r.joinedAtMs,
    updated_at_ms: r.updatedAtMs,
    version: r.version,
    join_expires_at: r.joinExpiresAt,
    admin_permission: r.adminPermission ? JSON.stringify(r.adminPermission.permission) : null,
    admin_permission_at: r.adminPermission ? r.adminPermission.atSec : null,
  };
}

/** The record a row holds; JSON columns were written by `toRow` only. */
export function fromRow(row: ParticipantRow): ParticipantRecord {
  const r: ParticipantRecord = {
    room: row.room,
    identity: row.identity,
    name: row.name,
    metadata: row.metadata,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    kind: row.kind,
    video: JSON.parse(row.video) as VideoGrant,
    state: row.state as ParticipantStateName,
    joinedAtMs: row.joined_at_ms,
    updatedAtMs: row.updated_at_ms,
    version: row.version,
    joinExpiresAt: row.join_expires_at,
  };
  if (row.room_config !== null) r.roomConfig = JSON.parse(row.room_config) as JsonObject;
  if (row.room_preset !== null) r.roomPreset = row.room_preset;
  if (row.admin_permission !== null && row.admin_permission_at !== null) {
    r.adminPermission = { permission: JSON.parse(row.admin_permission) as ParticipantPermission, atSec: row.admin_permission_at };
  }
  return r;
}

/** Column list shared by INSERT statements, in `ParticipantRow` order. */
export const COLUMNS = [
  "room", "identity", "name", "metadata", "attributes", "kind", "video",
  "room_config", "room_preset", "state", "joined_at_ms", "updated_at_ms", "version", "join_expires_at",
  "admin_permission", "admin_permission_at",
] as const;
