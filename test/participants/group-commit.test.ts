import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGroupCommitter } from "../../src/participants/group-commit.js";
import { DEFAULT_DB_FILE, createSqliteParticipantStore, type SqliteParticipantStore } from "../../src/participants/sqlite-store.js";
import { ISSUED, harness, joinGrants, joinToken, record, tempDir } from "./fixtures.js";

const settled = <T>(ps: Promise<T>[]) => Promise.allSettled(ps);

describe("group commit (on a real SQLite file)", () => {
  let t: ReturnType<typeof tempDir>;
  let db: Database.Database;
  beforeEach(() => {
    t = tempDir();
    db = new Database(join(t.dir, "g.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
  });
  afterEach(() => {
    db.close();
    t.cleanup();
  });
  const rows = () => db.prepare("SELECT k, v FROM kv ORDER BY k").all();
  const put = (k: string, v = "x") => () => db.prepare("INSERT INTO kv (k, v) VALUES (?, ?)").run(k, v).changes;

  it("runs the writes of one event-loop turn in one transaction, in order, and counts one flush", async () => {
    const g = createGroupCommitter(db);
    const results = await Promise.all(["a", "b", "c", "d"].map((k) => g.write(put(k))));
    expect(results).toEqual([1, 1, 1, 1]);
    expect(rows()).toEqual(["a", "b", "c", "d"].map((k) => ({ k, v: "x" })));
    expect(g.stats()).toEqual({ flushes: 1, writes: 4 });
    await g.write(put("e"));
    expect(g.stats()).toEqual({ flushes: 2, writes: 5 });
  });

  it("acknowledges nothing before COMMIT, and what it acknowledges another connection can read", async () => {
    const reader = new Database(join(t.dir, "g.db"), { readonly: true });
    let acked = 0;
    const seenBeforeCommit: { acked: number; visible: number }[] = [];
    const g = createGroupCommitter(db, {
      beforeCommit: () => seenBeforeCommit.push({ acked, visible: (reader.prepare("SELECT count(*) AS n FROM kv").get() as { n: number }).n }),
    });
    await Promise.all(["a", "b", "c"].map((k) => g.write(put(k)).then(() => acked++)));
    expect(seenBeforeCommit).toEqual([{ acked: 0, visible: 0 }]);
    expect(acked).toBe(3);
    expect((reader.prepare("SELECT count(*) AS n FROM kv").get() as { n: number }).n).toBe(3);
    reader.close();
  });

  it("fails only the write that throws, undoing what it wrote before throwing (a savepoint each)", async () => {
    const g = createGroupCommitter(db);
    const halfThenThrow = () => {
      put("b1")();
      put("b2")();
      throw new Error("validation failed");
    };
    const out = await settled([g.write(put("a")), g.write(halfThenThrow), g.write(put("a")), g.write(put("c"))]);
    expect(out.map((o) => (o.status === "fulfilled" ? "ok" : (o.reason as Error).message))).toEqual([
      "ok", "validation failed", "UNIQUE constraint failed: kv.k", "ok",
    ]);
    expect(rows()).toEqual([{ k: "a", v: "x" }, { k: "c", v: "x" }]);
    expect(g.stats()).toEqual({ flushes: 1, writes: 2 });
  });

  it("fails every write of the batch when COMMIT fails, and leaves nothing of it behind", async () => {
    let failNext = true;
    const g = createGroupCommitter(db, {
      beforeCommit: (d) => {
        if (!failNext) return;
        failNext = false;
        d.prepare("INSERT INTO no_such_table VALUES (1)").run();
      },
    });
    const out = await settled(["a", "b", "c"].map((k) => g.write(put(k))));
    expect(out.map((o) => o.status === "rejected" && (o.reason as Error).message)).toEqual(Array(3).fill("no such table: no_such_table"));
    expect(rows()).toEqual([]);
    expect(db.inTransaction).toBe(false);
    expect(g.stats()).toEqual({ flushes: 0, writes: 0 });
    // The next batch is unaffected.
    await Promise.all(["d", "e"].map((k) => g.write(put(k))));
    expect(rows()).toEqual([{ k: "d", v: "x" }, { k: "e", v: "x" }]);
  });

  it("fails the whole batch when SQLite itself abandons the transaction inside a write", async () => {
    const g = createGroupCommitter(db);
    // ROLLBACK inside a write ends the shared transaction, as SQLite does by itself on IOERR or FULL.
    const abandon = () => db.prepare("ROLLBACK").run().changes;
    const out = await settled([g.write(put("a")), g.write(abandon), g.write(put("c"))]);
    expect(out.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(rows()).toEqual([]);
    expect(g.stats()).toEqual({ flushes: 0, writes: 0 });
  });

  it("splits a large backlog into bounded transactions", async () => {
    const g = createGroupCommitter(db);
    await Promise.all(Array.from({ length: 600 }, (_, i) => g.write(put(`k${String(i).padStart(3, "0")}`))));
    expect(g.stats()).toEqual({ flushes: 2, writes: 600 });
    expect(rows()).toHaveLength(600);
  });

  it("flushNow commits queued writes at once", async () => {
    const g = createGroupCommitter(db);
    const p = g.write(put("a"));
    g.flushNow();
    expect(rows()).toEqual([{ k: "a", v: "x" }]);
    expect(await p).toBe(1);
  });
});

describe("sqlite store: group commit", () => {
  let t: ReturnType<typeof tempDir>;
  let store: SqliteParticipantStore;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(async () => {
    await store.close();
    t.cleanup();
  });

  it("commits concurrent joins, updates and revocations together; a revoked join fails alone", async () => {
    store = createSqliteParticipantStore({ dataDir: t.dir });
    await store.revoke("r1", "b", ISSUED);
    const before = store.commitStats();
    const out = await settled<unknown>([
      store.join(record("a"), ISSUED),
      store.join(record("b"), ISSUED),
      store.join(record("c"), ISSUED),
      store.revoke("r1", "z", ISSUED + 5),
    ]);
    expect(out.map((o) => (o.status === "fulfilled" ? "ok" : (o.reason as { reason: string }).reason))).toEqual(["ok", "token_revoked", "ok", "ok"]);
    expect(store.commitStats()).toEqual({ flushes: before.flushes + 1, writes: before.writes + 3 });
    expect((await store.listActive("r1")).map((r) => r.identity)).toEqual(["a", "c"]);

    // Two updates of one participant at the same expected version in one batch: the second conflicts, alone.
    const a = (await store.get("r1", "a"))!;
    const [u1, u2] = await Promise.all([store.update({ ...a, metadata: "one" }, 1), store.update({ ...a, metadata: "two" }, 1)]);
    expect(u1).toMatchObject({ status: "ok", record: { metadata: "one", version: 2 } });
    expect(u2).toEqual({ status: "conflict" });
  });

  it("a failed COMMIT fails every write with store_unavailable and stores none of them", async () => {
    let fail = true;
    store = createSqliteParticipantStore({
      dataDir: t.dir,
      commitHooks: { beforeCommit: (d) => void (fail && d.prepare("SELECT * FROM no_such_table").all()) },
    });
    const out = await settled<unknown>([store.join(record("a"), ISSUED), store.revoke("r1", "b", ISSUED), store.join(record("c"), ISSUED)]);
    expect(out.map((o) => o.status === "rejected" && (o.reason as { reason: string }).reason)).toEqual(Array(3).fill("store_unavailable"));
    expect((out[0] as PromiseRejectedResult).reason).toMatchObject({ code: "UNAVAILABLE", cause: { message: "no such table: no_such_table" } });
    fail = false;
    expect(await store.listActive("r1")).toEqual([]);
    expect(await store.revokedThrough("r1", "b")).toBeUndefined();
    expect((await store.join(record("a"), ISSUED)).version).toBe(1);
  });

  it("concurrent updates of one participant all succeed: a read waits for that participant's queued write", async () => {
    store = createSqliteParticipantStore({ dataDir: t.dir });
    const h = await harness({ store });
    await h.registry.join(joinToken(h.keys, h.clock, joinGrants("p")));
    // Twice the registry's retry budget: without the wait, each batch would let one through and the rest conflict.
    const n = 16;
    const out = await Promise.all(Array.from({ length: n }, (_, i) => h.registry.update("r1", "p", { attributes: { [`k${i}`]: "v" } })));
    expect(out.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect(Object.keys((await store.get("r1", "p"))!.attributes)).toHaveLength(n);
    h.registry.stop();
  });

  it("close commits writes still queued, and later writes fail with store_unavailable", async () => {
    store = createSqliteParticipantStore({ dataDir: t.dir });
    const pending = store.join(record("a"), ISSUED);
    await store.close();
    expect((await pending).version).toBe(1);
    await expect(store.join(record("b"), ISSUED)).rejects.toMatchObject({ reason: "store_unavailable" });
    const raw = new Database(join(t.dir, DEFAULT_DB_FILE), { readonly: true });
    expect(raw.prepare("SELECT identity FROM participants").pluck().all()).toEqual(["a"]);
    raw.close();
  });
});
