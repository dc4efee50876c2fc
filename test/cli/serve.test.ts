import { describe, expect, it } from "vitest";
import type { ServerConfig } from "../../src/config/server-config.js";
import type { KeyRing } from "../../src/core/keys.js";
import { createKeyProvider } from "../../src/core/keys.js";
import type { RunningServer, StartServer } from "../../src/cli/context.js";
import { harness } from "./cli-harness.js";

const LONG = "serve-secret-0123456789-0123456789-abcd";
const LONG2 = "serve-secret-rotated-0123456789-012345";

function recordingServer() {
  const started: { config: ServerConfig; keyRing: KeyRing }[] = [];
  let closed = 0;
  const startServer: StartServer = async (config, deps) => {
    started.push({ config, keyRing: deps.keyRing });
    const server: RunningServer = { grpcPort: 1, httpPort: 2, keys: createKeyProvider(deps.keyRing), close: async () => void closed++ };
    servers.push(server);
    return server;
  };
  const servers: RunningServer[] = [];
  return { startServer, started, servers, closed: () => closed };
}

function lines(stderr: string): Record<string, unknown>[] {
  return stderr.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe("serve", () => {
  it("starts with the resolved config and stops gracefully on SIGTERM (exit 0), removing the --dev temp dir", async () => {
    const rec = recordingServer();
    const h = harness({ startServer: rec.startServer });
    const done = h.run("serve", "--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "[::1]:0");
    await settle();
    expect(rec.started).toHaveLength(1);
    expect(rec.started[0]!.config).toMatchObject({ dev: true, grpcAddr: "127.0.0.1:0", httpAddr: "[::1]:0", dataDir: "/tmp/roomgate-dev-test" });
    expect(rec.started[0]!.keyRing.apiKeys).toEqual(["devkey"]);
    expect([...h.signals.keys()].sort()).toEqual(["SIGHUP", "SIGINT", "SIGTERM"]);
    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
    expect(rec.closed()).toBe(1);
    expect(h.removed).toEqual(["/tmp/roomgate-dev-test"]);
    expect(h.signals.size).toBe(0);
    const log = lines(h.err());
    expect(log.map((l) => l.msg)).toContain("shutting down");
    expect(h.err()).not.toContain('"secret"');
  });

  it("SIGINT stops too, and --data keeps the data dir", async () => {
    const rec = recordingServer();
    const h = harness({ startServer: rec.startServer });
    const done = h.run("serve", "--dev", "--data", "/keep");
    await settle();
    h.signals.get("SIGINT")!();
    expect(await done).toBe(0);
    expect(rec.started[0]!.config.dataDir).toBe("/keep");
    expect(h.removed).toEqual([]);
  });

  it("SIGHUP reloads the key file; a failed reload logs an error and keeps the old ring", async () => {
    const rec = recordingServer();
    const files: Record<string, string> = { "keys.yaml": `APIa: ${LONG}\n` };
    const h = harness({ startServer: rec.startServer, env: { ROOMGATE_KEY_FILE: "keys.yaml", ROOMGATE_LOG_LEVEL: "debug" } }, files);
    const done = h.run("serve");
    await settle();
    const server = rec.servers[0]!;
    expect(server.keys.current().apiKeys).toEqual(["APIa"]);

    files["keys.yaml"] = `APIa: ${LONG}\nAPIb: ${LONG2}\n`;
    h.signals.get("SIGHUP")!();
    expect(server.keys.current().apiKeys).toEqual(["APIa", "APIb"]);

    const before = server.keys.current();
    files["keys.yaml"] = "APIa: short-new-secret\n";
    h.signals.get("SIGHUP")!();
    expect(server.keys.current()).toBe(before);
    const failed = lines(h.err()).find((l) => l.level === "error")!;
    expect(failed.msg).toBe("API key reload failed; keeping the current keys");
    expect(failed.error).toContain('API key "APIa"');
    expect(h.err()).not.toContain("short-new-secret");
    expect(h.err()).not.toContain(LONG);

    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
  });

  it("--redis is refused with exit 2 before anything starts", async () => {
    const rec = recordingServer();
    const h = harness({ startServer: rec.startServer });
    expect(await h.run("serve", "--dev", "--redis", "redis://localhost:6379")).toBe(2);
    expect(h.err()).toContain("Redis is not supported yet");
    expect(rec.started).toHaveLength(0);
  });

  it("a Redis URL from the environment is refused the same way, and the temp dir is dropped", async () => {
    const h = harness({ env: { ROOMGATE_REDIS_URL: "redis://x" } });
    expect(await h.run("serve", "--dev")).toBe(2);
    expect(h.err()).toContain("Redis is not supported yet");
    expect(h.removed).toEqual(["/tmp/roomgate-dev-test"]);
  });

  it("configuration errors exit 1 with the message", async () => {
    const h = harness({ env: { LIVEKIT_KEYS: "APIshort: tiny" } });
    expect(await h.run("serve")).toBe(1);
    expect(h.err()).toBe('roomgate: secret of API key "APIshort" is shorter than 32 bytes\n');
    const dev = harness();
    expect(await dev.run("serve", "--dev", "--http-addr", "0.0.0.0:7891")).toBe(1);
    expect(dev.err()).toContain("--dev listens on loopback only");
  });

  it("a server that fails to start exits 1 and drops the temp dir", async () => {
    const h = harness({
      startServer: async () => {
        throw new Error("listen EADDRINUSE 127.0.0.1:7890");
      },
    });
    expect(await h.run("serve", "--dev")).toBe(1);
    expect(h.err()).toContain("server failed to start: listen EADDRINUSE");
    expect(h.removed).toEqual(["/tmp/roomgate-dev-test"]);
  });

  it("a failing close exits 1", async () => {
    const h = harness({
      startServer: async (_c, deps) => ({
        grpcPort: 1,
        httpPort: 2,
        keys: createKeyProvider(deps.keyRing),
        close: async () => {
          throw new Error("stuck");
        },
      }),
    });
    const done = h.run("serve", "--dev");
    await settle();
    h.signals.get("SIGTERM")!();
    h.signals.get("SIGTERM")?.();
    expect(await done).toBe(1);
  });

  it("unknown flags exit 2; --help prints usage", async () => {
    const h = harness();
    expect(await h.run("serve", "--port", "1")).toBe(2);
    expect(h.err()).toContain("unknown flag --port");
    expect(await h.run("serve", "--help")).toBe(0);
    expect(h.out()).toContain("--grpc-addr HOST:PORT");
  });
});
