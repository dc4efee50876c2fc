import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { LOCK_FILE } from "../../src/participants/sqlite-open.js";
import { DEFAULT_DB_FILE } from "../../src/participants/sqlite-store.js";
import { REPO_ROOT, spawnServer, type ServerProcess } from "../support/subprocess-server.js";

let dir: string;
const children: ServerProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-data-dir-"));
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop("SIGKILL")));
  rmSync(dir, { recursive: true, force: true });
});

const SERVE = ["serve", "--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data"];

/** Runs `roomgate serve` to its exit; it must not start. */
function serveToExit(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["bin/roomgate.js", ...SERVE, dataDir], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => void (stderr += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

it("a second server on the same data directory exits 1 naming the directory; after the first is killed, a new one starts", async () => {
  const first = await spawnServer([...SERVE, dir]);
  children.push(first);
  const second = await serveToExit(dir);
  expect(second.code).toBe(1);
  expect(second.stderr).toContain(
    `data directory ${dir} is in use by another roomgate server (one server per data directory; its lock ${join(dir, LOCK_FILE)} is held)`,
  );
  await first.stop("SIGKILL");
  children.push(await spawnServer([...SERVE, dir]));
}, 40_000);

it("a data file that is not a database stops the start with the file and SQLite's cause", async () => {
  writeFileSync(join(dir, DEFAULT_DB_FILE), "not a database ".repeat(100));
  const run = await serveToExit(dir);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`cannot open participant store ${join(dir, DEFAULT_DB_FILE)}: file is not a database (SQLITE_NOTADB)`);
}, 20_000);
