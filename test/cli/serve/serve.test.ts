import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashCredential } from "../../../src/core/credentials.js";
import { startServer } from "../../../src/server.js";
import type { ServerConfig } from "../../../src/config/server-config.js";
import type { KeyRing } from "../../../src/core/keys.js";
import { createKeyProvider } from "../../../src/core/keys.js";
import { createClientHolder } from "../../../src/services/token-service.js";
import type { RunningServer, StartServer } from "../../../src/cli/context.js";
import { harness } from "../cli-harness.js";

const LONG = "serve-secret-0123456789-0123456789-abcd";
const LONG2 = "serve-secret-rotated-0123456789-012345";

function recordingServer() {
  const started: { config: ServerConfig; keyRing: KeyRing }[] = [];
  let closed = 0;
  const startServer: StartServer = async (config, deps) => {
    started.push({ config, keyRing: deps.keyRing });
    const server: RunningServer = {
      grpcPort: 1, httpPort: 2, keys: createKeyProvider(deps.keyRing), clients: createClientHolder(config.clients), close: async () => void closed++,
    };
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

  it("--audit-log reaches the server's configuration (\"-\" is stdout)", async () => {
    const rec = recordingServer();
    const h = harness({ startServer: rec.startServer });
    const done = h.run("serve", "--dev", "--audit-log", "-");
    await settle();
    expect(rec.started[0]!.config.auditLog).toBe("-");
    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
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
    expect(failed.msg).toBe("reload failed; keeping the current API keys and clients");
    expect(failed.error).toContain('API key "APIa"');
    expect(h.err()).not.toContain("short-new-secret");
    expect(h.err()).not.toContain(LONG);

    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
  });

  it("SIGHUP with a key file that yields no key is refused: the old keys and clients stay and an error line says why", async () => {
    const rec = recordingServer();
    const files: Record<string, string> = {
      "keys.yaml": `APIa: ${LONG}\n`,
      "c.yaml": `keys:\n  APIinline: ${LONG2}\nkey_file: keys.yaml\nclients:\n  - {name: app, sha256: ${hashCredential("app")}}\n`,
    };
    const h = harness({ startServer: rec.startServer }, files);
    const done = h.run("serve", "--config", "c.yaml");
    await settle();
    const server = rec.servers[0]!;
    const keys = server.keys.current();
    const clients = server.clients.current();
    expect(keys.apiKeys).toEqual(["APIa", "APIinline"]);

    files["keys.yaml"] = "";
    h.signals.get("SIGHUP")!();
    expect(server.keys.current()).toBe(keys);
    expect(server.clients.current()).toBe(clients);
    const failed = lines(h.err()).find((l) => l.level === "error")!;
    expect(failed).toMatchObject({
      msg: "reload failed; keeping the current API keys and clients",
      error: "key file keys.yaml has no keys (empty or partly written?); a reload needs at least one key in it",
    });

    files["keys.yaml"] = `APIa: ${LONG}\n`;
    h.signals.get("SIGHUP")!();
    expect(server.keys.current().apiKeys).toEqual(["APIa", "APIinline"]);
    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
  });

  it("SIGHUP swaps keys and clients together: a broken key file keeps the old clients too", async () => {
    const rec = recordingServer();
    const clients = (name: string) => `key_file: keys.yaml\nclients:\n  - {name: ${name}, sha256: ${hashCredential(name)}}\n`;
    const files: Record<string, string> = { "keys.yaml": `APIa: ${LONG}\n`, "c.yaml": clients("first") };
    const h = harness({ startServer: rec.startServer }, files);
    const done = h.run("serve", "--config", "c.yaml");
    await settle();
    const server = rec.servers[0]!;
    expect(server.clients.current().map((c) => c.name)).toEqual(["first"]);

    files["c.yaml"] = clients("second");
    h.signals.get("SIGHUP")!();
    expect(server.clients.current().map((c) => c.name)).toEqual(["second"]);
    expect(lines(h.err()).find((l) => l.msg === "API keys and clients reloaded")).toMatchObject({ apiKeys: ["APIa"], clients: ["second"] });

    files["c.yaml"] = clients("third");
    files["keys.yaml"] = "APIa: short\n";
    h.signals.get("SIGHUP")!();
    expect(server.clients.current().map((c) => c.name)).toEqual(["second"]);
    expect(lines(h.err()).filter((l) => l.level === "error")).toHaveLength(1);

    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
  });

  it("SIGHUP re-reads the config file's own keys: added keys work, removed ones stop, environment keys stay", async () => {
    const rec = recordingServer();
    const files: Record<string, string> = { "c.yaml": `keys:\n  APIa: ${LONG}\n` };
    const h = harness({ startServer: rec.startServer, env: { LIVEKIT_API_KEY: "APIenv", LIVEKIT_API_SECRET: LONG2 } }, files);
    const done = h.run("serve", "--config", "c.yaml");
    await settle();
    const server = rec.servers[0]!;
    expect(server.keys.current().apiKeys).toEqual(["APIa", "APIenv"]);

    files["c.yaml"] = `keys:\n  APIb: ${LONG}\ndefault_key: APIb\n`;
    h.signals.get("SIGHUP")!();
    expect(server.keys.current().apiKeys).toEqual(["APIb", "APIenv"]);
    expect(server.keys.current().defaultKey.apiKey).toBe("APIb");

    files["c.yaml"] = `keys:\n  APIb: ${LONG}\nnot_a_key: 1\n`;
    h.signals.get("SIGHUP")!();
    expect(server.keys.current().apiKeys).toEqual(["APIb", "APIenv"]);
    expect(lines(h.err()).find((l) => l.level === "error")?.error).toContain('unknown key "not_a_key"');

    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
  });

  it("--dev --redis starts on Redis with the default Redis settings, never logging the URL's password", async () => {
    const rec = recordingServer();
    const h = harness({ startServer: rec.startServer });
    const done = h.run("serve", "--dev", "--redis", "redis://user:pw-secret@localhost:6379/2");
    await settle();
    expect(rec.started[0]!.config.redis).toEqual({
      url: "redis://user:pw-secret@localhost:6379/2", keyPrefix: "roomgate:", timeoutMs: 2000, maxStalenessMs: 5000, streamMaxLen: 100_000,
    });
    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
    expect(lines(h.err()).find((l) => l.msg === "serving")).toMatchObject({ store: "redis", redisKeyPrefix: "roomgate:" });
    expect(h.err()).not.toContain("pw-secret");
    // No throw-away data directory was made, so none is removed: above all not the default one.
    expect(h.removed).toEqual([]);
  });

  it("reads the Redis URL from ROOMGATE_REDIS_URL and the Redis settings from the config file", async () => {
    const rec = recordingServer();
    const files = { "c.yaml": 'redis_key_prefix: "rg-a:"\nredis_timeout: 750ms\nredis_max_staleness: 0s\nredis_stream_max_len: 5000\n' };
    const h = harness({ startServer: rec.startServer, env: { ROOMGATE_REDIS_URL: "rediss://cache.example:6380" } }, files);
    const done = h.run("serve", "--dev", "--config", "c.yaml");
    await settle();
    expect(rec.started[0]!.config.redis).toEqual({ url: "rediss://cache.example:6380", keyPrefix: "rg-a:", timeoutMs: 750, maxStalenessMs: 0, streamMaxLen: 5000 });
    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
  });

  it("passes --redis-sentinel through, the URL carrying only credentials and database, and logs the master it follows", async () => {
    const rec = recordingServer();
    const h = harness({ startServer: rec.startServer });
    const done = h.run("serve", "--dev", "--redis", "redis://:pw-secret@mymaster/2", "--redis-sentinel", "mymaster@127.0.0.1:26379,127.0.0.1:26380");
    await settle();
    expect(rec.started[0]!.config.redis).toMatchObject({
      url: "redis://:pw-secret@mymaster/2",
      sentinel: { master: "mymaster", sentinels: [{ host: "127.0.0.1", port: 26379 }, { host: "127.0.0.1", port: 26380 }] },
    });
    h.signals.get("SIGTERM")!();
    expect(await done).toBe(0);
    expect(lines(h.err()).find((l) => l.msg === "serving")).toMatchObject({ store: "redis", redisSentinel: "mymaster" });
    expect(h.err()).not.toContain("pw-secret");
  });

  it("refuses --data together with a Redis URL, and a URL that is not redis:// or rediss://, before anything starts", async () => {
    const rec = recordingServer();
    const h = harness({ startServer: rec.startServer });
    expect(await h.run("serve", "--data", "/d", "--redis", "redis://localhost")).toBe(1);
    expect(h.err()).toContain("--data and --redis both choose the participant store");
    const e = harness({ startServer: rec.startServer, env: { ROOMGATE_REDIS_URL: "redis+cluster://a:1" } });
    expect(await e.run("serve", "--dev")).toBe(1);
    expect(e.err()).toContain("ROOMGATE_REDIS_URL must start with redis:// or rediss:// (Redis Cluster is not supported");
    expect(rec.started).toHaveLength(0);
  });

  it("configuration errors exit 1 with the message as one JSON line on stderr", async () => {
    const h = harness({ env: { LIVEKIT_KEYS: "APIshort: tiny" } });
    expect(await h.run("serve")).toBe(1);
    expect(lines(h.err())).toEqual([
      { time: "2027-01-15T08:00:00.000Z", level: "error", msg: "server failed to start", error: 'secret of API key "APIshort" is shorter than 32 bytes' },
    ]);
    expect(h.out()).toBe("");
    const dev = harness();
    expect(await dev.run("serve", "--dev", "--http-addr", "0.0.0.0:7891")).toBe(1);
    expect(lines(dev.err())[0]!.error).toContain("--dev listens on loopback only");
  });

  it("a malformed client policy stops the start with file:line and the field", async () => {
    const rec = recordingServer();
    const cfg = `keys:\n  APIa: ${LONG}\nclients:\n  - name: gw\n    sha256: ${hashCredential("c")}\n    policy:\n      grants: [sip.call]\n      max_ttl: soon\n`;
    const h = harness({ startServer: rec.startServer }, { "c.yaml": cfg });
    expect(await h.run("serve", "--config", "c.yaml")).toBe(1);
    expect(rec.started).toHaveLength(0);
    expect(lines(h.err())).toMatchObject([{ level: "error", msg: "server failed to start", error: 'c.yaml:8: clients[0].policy.max_ttl must be a whole-second duration of at least 1s, like "10m"' }]);
  });

  it("a server that fails to start exits 1 and drops the temp dir", async () => {
    const h = harness({
      startServer: async () => {
        throw new Error("listen EADDRINUSE 127.0.0.1:7890");
      },
    });
    expect(await h.run("serve", "--dev")).toBe(1);
    expect(lines(h.err())).toMatchObject([{ level: "error", msg: "server failed to start", error: "listen EADDRINUSE 127.0.0.1:7890" }]);
    expect(h.removed).toEqual(["/tmp/roomgate-dev-test"]);
  });

  it("a failing close exits 1", async () => {
    const h = harness({
      startServer: async (c, deps) => ({
        grpcPort: 1,
        httpPort: 2,
        keys: createKeyProvider(deps.keyRing),
        clients: createClientHolder(c.clients),
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

  it("a usage error is one line of the serve log: JSON with reason and hint, through the same redacting logger", async () => {
    const h = harness();
    const jwtLike = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
    expect(await h.run("serve", `--${jwtLike}`)).toBe(2);
    expect(lines(h.err())).toEqual([{
      time: "2027-01-15T08:00:00.000Z", level: "error", reason: "usage", msg: "unknown flag --[redacted-token]", hint: "Run 'roomgate serve --help' for usage.",
    }]);
  });
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !check(); ) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// A real server behind `serve`, and `token create --server` as the client whose credential is checked.
describe("serve reloads clients on SIGHUP", () => {
  const configFile = (credential: string, name = "app") => `keys:\n  APIa: ${LONG}\nclients:\n  - {name: ${name}, sha256: ${hashCredential(credential)}}\n`;

  async function createToken(address: string, credential: string): Promise<{ code: number; err: string }> {
    const c = harness();
    c.clock.set(Date.now());
    const code = await c.run("token", "create", "--server", address, "--credential", credential, "--list", "--token-only");
    return { code, err: c.err() };
  }

  it("refuses the old credential and accepts the new one; a broken config file keeps the clients and keys in force", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "roomgate-serve-reload-"));
    const files: Record<string, string> = { "roomgate.yaml": configFile("old-credential") };
    let server: RunningServer | undefined;
    const h = harness({ startServer: async (config, deps) => (server = await startServer(config, deps)) }, files);
    const done = h.run("serve", "--config", "roomgate.yaml", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data", dataDir);
    try {
      await waitFor(() => h.err().includes('"msg":"serving"'), "the server");
      const address = `127.0.0.1:${server!.grpcPort}`;
      expect(await createToken(address, "old-credential")).toEqual({ code: 0, err: "valid for (mins): 5\n" });

      files["roomgate.yaml"] = configFile("new-credential");
      h.signals.get("SIGHUP")!();
      expect(await createToken(address, "old-credential")).toEqual({ code: 1, err: "roomgate: caller_unauthenticated: caller credentials are missing or invalid\n" });
      expect(await createToken(address, "new-credential")).toEqual({ code: 0, err: "valid for (mins): 5\n" });

      const keys = server!.keys.current();
      files["roomgate.yaml"] = `${configFile("newer-credential")}clients_typo: 1\n`;
      h.signals.get("SIGHUP")!();
      const failed = lines(h.err()).find((l) => l.level === "error")!;
      expect(failed.msg).toBe("reload failed; keeping the current API keys and clients");
      expect(failed.error).toContain('roomgate.yaml:5: unknown key "clients_typo"');
      expect(await createToken(address, "new-credential")).toEqual({ code: 0, err: "valid for (mins): 5\n" });
      expect((await createToken(address, "newer-credential")).code).toBe(1);
      expect(server!.keys.current()).toBe(keys);
      expect(h.err()).not.toContain(LONG);
    } finally {
      h.signals.get("SIGTERM")?.();
      expect(await done).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
