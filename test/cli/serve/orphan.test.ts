import { spawn, type ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createKeyProvider } from "../../../src/core/keys.js";
import { createClientHolder } from "../../../src/services/token-service.js";
import { REPO_ROOT } from "../../support/subprocess-server.js";
import { harness } from "../cli-harness.js";

// `npx roomgate serve --dev` (the README's quick start) runs node under npm and a shell; a SIGTERM to npx kills
// those and leaves node orphaned, so serve stops itself when its launcher is gone.

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  for (const start = Date.now(); !check(); ) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Starts `command` and resolves with the pid that roomgate's "serving" line reports.
function servingPid(child: ChildProcess, timeoutMs = 60_000): Promise<{ pid: number; output: () => string }> {
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving" line within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      // Log lines are JSON objects; their field order is the logger's business.
      const serving = out.split("\n").filter((l) => l.includes('"msg":"serving"')).map((l) => JSON.parse(l) as { pid: number })[0];
      if (serving) {
        clearTimeout(timer);
        resolve({ pid: serving.pid, output: () => out });
      }
    });
    child.once("exit", () => reject(new Error(`the launcher exited before serving:\n${out}`)));
  });
}

// Launchers run in a process group of their own, so a test that fails half-way still leaves no server behind.
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(ROOMGATE_|LIVEKIT_|npm_)/.test(k)) e[k] = v;
  return e;
};
const SERVE = ["serve", "--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"];

describe("serve started by a launcher that does not forward signals", () => {
  it("stops gracefully (exit 0) when the CLI entry reports the process orphaned", async () => {
    let orphaned: (() => void) | undefined;
    let closed = 0;
    const h = harness({
      onOrphaned: (handler) => {
        orphaned = handler;
        return () => void (orphaned = undefined);
      },
      startServer: async (config, deps) => ({
        grpcPort: 1, httpPort: 2, keys: createKeyProvider(deps.keyRing), clients: createClientHolder(config.clients), close: async () => void closed++,
      }),
    });
    const done = h.run(...SERVE);
    await waitUntil(() => h.err().includes('"msg":"serving"'), "serving");
    orphaned!();
    expect(await done).toBe(0);
    expect(closed).toBe(1);
    expect(h.err().split("\n").filter(Boolean).map((l) => JSON.parse(l) as object)).toContainEqual(expect.objectContaining({ msg: "shutting down", signal: "parent exited" }));
    expect(orphaned).toBeUndefined();
  });

  it("a roomgate whose npm-style parent shell is killed stops by itself", async () => {
    const shell = spawn("sh", ["-c", `"${process.execPath}" bin/roomgate.js ${SERVE.join(" ")}; true`], {
      cwd: REPO_ROOT, env: { ...env(), npm_command: "exec" }, stdio: ["ignore", "ignore", "pipe"], detached: true,
    });
    try {
      const { pid, output } = await servingPid(shell);
      expect(pid).not.toBe(shell.pid);
      shell.kill("SIGKILL");
      await waitUntil(() => !isAlive(pid), `roomgate (pid ${pid}) to stop:\n${output()}`);
    } finally {
      killGroup(shell);
    }
  }, 90_000);

  it("the README's `npx roomgate serve --dev` stops when npx gets SIGTERM", async () => {
    const npx = spawn("npx", ["roomgate", ...SERVE], { cwd: REPO_ROOT, env: env(), stdio: ["ignore", "ignore", "pipe"], detached: true });
    try {
      const { pid, output } = await servingPid(npx);
      npx.kill("SIGTERM");
      await waitUntil(() => !isAlive(pid), `roomgate (pid ${pid}) to stop after SIGTERM to npx:\n${output()}`);
    } finally {
      killGroup(npx);
    }
  }, 120_000);
});
