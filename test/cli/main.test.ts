import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TokenVerifier } from "livekit-server-sdk";
import { describe, expect, it } from "vitest";

// Subprocess tests of the real entry point: bin/roomgate.js → tsx → src/cli/main.ts.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/roomgate.js", import.meta.url));
const KEY = "APIsubprocess";
const SECRET = "subprocess-secret-0123456789-0123456789";

function roomgate(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LIVEKIT_") && !k.startsWith("ROOMGATE_")));
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", env: { ...clean, ...env }, timeout: 20_000 });
}

describe("bin/roomgate.js", () => {
  it("runs the seed command: a LiveKit-verifiable join token valid for exactly one hour", async () => {
    const r = roomgate(["token", "create", "--api-key", KEY, "--api-secret", SECRET, "--identity", "alice", "--room", "my-room", "--join", "--valid-for", "1h"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const token = /^Access token: (\S+)$/m.exec(r.stdout)![1]!;
    const claims = await new TokenVerifier(KEY, SECRET).verify(token);
    expect(claims.exp! - claims.nbf!).toBe(3600);
    expect(claims.sub).toBe("alice");
    expect(claims.video).toEqual({ roomJoin: true, room: "my-room" });
    expect(r.stdout).not.toContain(SECRET);
  });

  it("reads LIVEKIT_API_KEY/SECRET from the real environment", async () => {
    const r = roomgate(["token", "create", "--list", "--token-only"], { LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET });
    expect(r.status).toBe(0);
    expect((await new TokenVerifier(KEY, SECRET).verify(r.stdout.trim())).video).toEqual({ roomList: true });
  });

  it("exits 2 on an unknown flag and on missing credentials", () => {
    expect(roomgate(["token", "create", "--nope"]).status).toBe(2);
    const r = roomgate(["token", "create", "--list"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("roomgate: usage: missing API key:");
  });

  it("prints help and version", () => {
    const help = roomgate(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("roomgate token create");
    expect(roomgate(["--version"]).stdout).toMatch(/^roomgate \d+\.\d+\.\d+/);
  });

  it("is executable with a node shebang", () => {
    expect(existsSync(BIN)).toBe(true);
    const r = spawnSync(BIN, ["--version"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(0);
  });

  it("serve --dev starts, reloads on SIGHUP and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "serve", "--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const seen = (msg: string) => stderr.split("\n").some((l) => l.includes(`"msg":"${msg}`));
    const waitFor = (msg: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${msg}: ${stderr}`)), 15_000);
        const check = () => {
          if (seen(msg)) {
            clearTimeout(timer);
            child.stderr.off("data", check);
            resolve();
          }
        };
        child.stderr.on("data", check);
        check();
      });
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor("serving");
    child.kill("SIGHUP");
    await waitFor("API keys and clients reloaded");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const serving = JSON.parse(stderr.split("\n").find((l) => l.includes('"msg":"serving"'))!) as { dataDir: string; pid: number };
    expect(serving.pid).toBe(child.pid);
    expect(existsSync(serving.dataDir)).toBe(false);
  });
});
