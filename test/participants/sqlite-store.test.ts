import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_DB_FILE, createSqliteParticipantStore } from "../../src/participants/sqlite-store.js";
import { toPermission } from "../../src/core/grants.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/participants/sqlite-schema.js";
import { ISSUED, record, tempDir, T0_MS } from "./fixtures.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("sqlite store", async () => {
  const t = tempDir();
  const store = createSqliteParticipantStore({ dataDir: t.dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      t.cleanup();
    },
  };
});

describe("sqlite store: durability and schema", () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it("keeps every acknowledged change across close and reopen", async () => {
    const s1 = createSqliteParticipantStore({ dataDir: t.dir });
    const a = await s1.join(record("a", { attributes: { k: "v" }, roomConfig: { name: "r1" } }), ISSUED);
    await s1.update({ ...a, metadata: "updated", adminPermission: { permission: toPermission({ canPublish: false }), atSec: 77 }, video: { ...a.video, canPublish: false } }, 1);
    await s1.join(record("b"), ISSUED);
    await s1.remove("r1", "b", { nowMs: T0_MS + 1, revokeThroughSec: 1234 });
    const before = [await s1.get("r1", "a"), await s1.get("r1", "b"), await s1.loadLiveState()];
    await s1.close();

    const s2 = createSqliteParticipantStore({ dataDir: t.dir });
    expect([await s2.get("r1", "a"), await s2.get("r1", "b"), await s2.loadLiveState()]).toEqual(before);
    expect((await s2.get("r1", "a"))!).toMatchObject({ metadata: "updated", version: 2, roomConfig: { name: "r1" } });
    expect(await s2.revokedThrough("r1", "b")).toBe(1234);
    await s2.close();
  });

  it("migrates an empty file to the current schema in WAL mode", async () => {
    writeFileSync(join(t.dir, DEFAULT_DB_FILE), "");
    const s = createSqliteParticipantStore({ dataDir: t.dir });
    await s.join(record("a"), ISSUED);
    await s.close();
    const raw = new Database(join(t.dir, DEFAULT_DB_FILE), { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(["participants", "revocations"]);
    raw.close();
  });

  it("migrates a schema-1 file: an admin-set permission becomes the admin permission, stamped with the row's updated_at second", async () => {
    const raw = new Database(join(t.dir, DEFAULT_DB_FILE));
    raw.exec(MIGRATIONS[0] as string);
    raw.pragma("user_version = 1");
    const insert = raw.prepare(`INSERT INTO participants VALUES (@room, @identity, @identity, '', '{}', '', @video, @admin, NULL, NULL,
      'active', ${T0_MS}, @updated, 2, ${ISSUED + 3600})`);
    const narrowed = { roomJoin: true, room: "r1", canPublish: false, canSubscribe: true, canPublishData: false, canPublishSources: ["camera"] };
    insert.run({ room: "r1", identity: "a", video: JSON.stringify(narrowed), admin: 1, updated: T0_MS + 2500 });
    insert.run({ room: "r1", identity: "b", video: JSON.stringify({ roomJoin: true, room: "r1" }), admin: 0, updated: T0_MS + 2500 });
    raw.close();
    const s = createSqliteParticipantStore({ dataDir: t.dir });
    const adminPermission = { permission: toPermission(narrowed), atSec: ISSUED + 2 };
    expect(await s.get("r1", "a")).toMatchObject({ video: narrowed, adminPermission, version: 2, updatedAtMs: T0_MS + 2500 });
    expect((await s.get("r1", "b"))!.adminPermission).toBeUndefined();
    expect(await s.loadLiveState()).toEqual([{ room: "r1", identity: "a", version: 2, permission: adminPermission.permission, permissionAtSec: ISSUED + 2 }]);
    // A join with a token issued after that second starts from its own permission.
    expect((await s.join(record("a"), ISSUED + 3)).video).toEqual({ roomJoin: true, room: "r1" });
    await s.close();
    const after = new Database(join(t.dir, DEFAULT_DB_FILE), { readonly: true });
    expect(after.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    after.close();
  });

  it("creates the data directory and reopens an up-to-date file without migrating again", async () => {
    const dir = join(t.dir, "nested", "data");
    await createSqliteParticipantStore({ dataDir: dir }).close();
    const s = createSqliteParticipantStore({ dataDir: dir });
    expect(await s.listActive("r1")).toEqual([]);
    await s.close();
  });

  it("refuses a file written by a newer schema", () => {
    const raw = new Database(join(t.dir, DEFAULT_DB_FILE));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => createSqliteParticipantStore({ dataDir: t.dir })).toThrow(
      `cannot open participant store ${join(t.dir, DEFAULT_DB_FILE)}: participant store schema version ${SCHEMA_VERSION + 1} is newer than supported ${SCHEMA_VERSION}`,
    );
  });

  it("turns SQLITE_BUSY into store_unavailable and recovers when the lock is gone", async () => {
    const s = createSqliteParticipantStore({ dataDir: t.dir, busyTimeoutMs: 0 });
    const other = new Database(join(t.dir, DEFAULT_DB_FILE));
    other.exec("BEGIN IMMEDIATE");
    const err = await s.join(record("a"), ISSUED).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "store_unavailable", code: "UNAVAILABLE" });
    expect((err as Error).cause).toMatchObject({ code: "SQLITE_BUSY" });
    other.exec("COMMIT");
    other.close();
    expect((await s.join(record("a"), ISSUED)).version).toBe(1);
    await s.close();
  });

  async function killAfter(args: string[], lastAck: string): Promise<void> {
    const script = fileURLToPath(new URL("./kill-writer.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, t.dir, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(lastAck)) resolve();
      });
      child.once("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await exited;
  }

  it("keeps changes acknowledged before a kill -9", async () => {
    await killAfter([], "acked 4\n");
    const s = createSqliteParticipantStore({ dataDir: t.dir });
    expect((await s.listActive("r1")).map((r) => r.metadata)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    await s.close();
  });

  it("keeps group-committed changes acknowledged before a kill -9, and the killed writer's lock is gone", async () => {
    await killAfter(["burst"], "acked 29\n");
    const s = createSqliteParticipantStore({ dataDir: t.dir });
    expect((await s.listActive("r1")).map((r) => r.metadata)).toEqual(Array.from({ length: 30 }, (_, n) => `m${n}`));
    await s.close();
  });
});
