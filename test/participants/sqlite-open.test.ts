import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_DB_FILE, createSqliteParticipantStore } from "../../src/participants/sqlite-store.js";
import { LOCK_FILE, StoreOpenError, lockDataDir } from "../../src/participants/sqlite-open.js";
import { ISSUED, record, tempDir } from "./fixtures.js";

function openError(fn: () => unknown): StoreOpenError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreOpenError) return err;
    throw err;
  }
  throw new Error("expected a StoreOpenError");
}

describe("data directory lock", () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it("refuses a second holder in the same process, naming the directory, until the first releases it", () => {
    const first = lockDataDir(t.dir);
    const err = openError(() => lockDataDir(t.dir));
    expect(err.message).toBe(
      `data directory ${t.dir} is in use by another roomgate server (one server per data directory; its lock ${join(t.dir, LOCK_FILE)} is held)`,
    );
    first.release();
    lockDataDir(t.dir).release();
  });

  it("refuses a second store on the same directory; closing the first lets the next one open", async () => {
    const s1 = createSqliteParticipantStore({ dataDir: t.dir });
    await s1.join(record("a"), ISSUED);
    expect(openError(() => createSqliteParticipantStore({ dataDir: t.dir })).message).toContain(`data directory ${t.dir} is in use`);
    expect((await s1.get("r1", "a"))?.version).toBe(1);
    await s1.close();
    const s2 = createSqliteParticipantStore({ dataDir: t.dir });
    expect((await s2.get("r1", "a"))?.version).toBe(1);
    await s2.close();
  });

  it("is held by another process and released by the operating system when that process is killed with SIGKILL", async () => {
    const script = fileURLToPath(new URL("./lock-holder.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, t.dir], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("locked")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`lock holder exited early with ${code}`)));
    });
    expect(openError(() => lockDataDir(t.dir)).message).toContain(`data directory ${t.dir} is in use by another roomgate server`);
    child.kill("SIGKILL");
    await exited;
    lockDataDir(t.dir).release();
  });
});

describe("a store that cannot be opened", () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it("names the file and SQLite's cause for a file that is not a database, and frees the directory", () => {
    const file = join(t.dir, DEFAULT_DB_FILE);
    writeFileSync(file, "this is not a SQLite database, just some text that is long enough to fill a header".repeat(20));
    const err = openError(() => createSqliteParticipantStore({ dataDir: t.dir }));
    expect(err.message).toBe(`cannot open participant store ${file}: file is not a database (SQLITE_NOTADB)`);
    // The failed start released the lock: a later start (after the file is fixed) is not refused as "in use".
    lockDataDir(t.dir).release();
  });

  it("names the file and the cause when it cannot be opened at all (a directory where the file should be)", () => {
    const file = join(t.dir, DEFAULT_DB_FILE);
    mkdirSync(file);
    const err = openError(() => createSqliteParticipantStore({ dataDir: t.dir }));
    expect(err.message).toBe(`cannot open participant store ${file}: unable to open database file (SQLITE_CANTOPEN)`);
  });

  it("names the directory when the data directory cannot be created", () => {
    const blocker = join(t.dir, "file");
    writeFileSync(blocker, "");
    const err = openError(() => createSqliteParticipantStore({ dataDir: join(blocker, "data") }));
    expect(err.message).toMatch(new RegExp(`^cannot create data directory ${join(blocker, "data")}: .*ENOTDIR`));
  });
});
