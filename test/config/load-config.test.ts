import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { CONFIG_DEFAULTS, loadKeyRing, loadServerConfig, reloadCredentials, type Env, type ServeFlags } from "../../src/config/load-config.js";
import { DEFAULT_CONNECTION_SETTINGS, DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";
import { hashCredential, matchClient } from "../../src/core/credentials.js";
import { KeyConfigError } from "../../src/core/keys.js";

const LONG = "a-secret-that-is-at-least-32-bytes-long";
const LONG2 = "another-secret-of-32-bytes-or-more-000";

function files(map: Record<string, string>) {
  return (path: string): string => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
    return text;
  };
}

function load(opts: { flags?: ServeFlags; env?: Env; files?: Record<string, string> } = {}) {
  let temp = 0;
  return loadServerConfig({
    flags: opts.flags ?? {},
    env: opts.env ?? {},
    readFile: files(opts.files ?? {}),
    makeTempDir: () => `/tmp/roomgate-dev-${++temp}`,
  });
}

const KEYED: Env = { LIVEKIT_API_KEY: "APIenv", LIVEKIT_API_SECRET: LONG };

describe("loadServerConfig defaults", () => {
  it("applies the documented defaults", () => {
    const c = load({ env: KEYED });
    expect(c).toMatchObject({
      dev: false,
      grpcAddr: "0.0.0.0:7890",
      httpAddr: "0.0.0.0:7891",
      dataDir: "./data",
      clients: [],
      mint: { defaultTtlSeconds: 6 * 3600, maxTtlSeconds: 24 * 3600 },
      policy: { leewaySeconds: 60, maxTokenBytes: 1024 * 1024 },
      participants: DEFAULT_PARTICIPANT_SETTINGS,
      logLevel: "info",
      maxRequestBytes: 2 * 1024 * 1024,
      connections: {
        maxConnections: 4096, httpHeaderTimeoutMs: 10_000, httpRequestTimeoutMs: 30_000, httpIdleTimeoutMs: 30_000,
        grpcIdleTimeoutMs: 300_000, grpcKeepaliveTimeMs: 60_000, grpcKeepaliveTimeoutMs: 20_000,
        grpcMaxConnectionAgeMs: 0, grpcMaxConnectionAgeGraceMs: 0,
      },
    });
    expect(c.connections).toEqual(DEFAULT_CONNECTION_SETTINGS);
    expect(c.redis).toBeUndefined();
    expect([...c.keys.inline]).toEqual([["APIenv", LONG]]);
    expect(c.keys.allowShortSecrets).toBe(false);
  });

  it("sizes the request limit to carry LiveKit's largest participant update", () => {
    const l = DEFAULT_PARTICIPANT_SETTINGS.limits;
    expect(CONFIG_DEFAULTS.maxRequestBytes).toBeGreaterThan(l.nameBytes + l.metadataBytes + l.attributesBytes);
  });
});

describe("precedence: flags > env > file > defaults", () => {
  const file = `grpc_addr: 10.0.0.1:1\nhttp_addr: 10.0.0.1:2\ndata_dir: /file\nredis_url: redis://file\nlog_level: warn\nkeys:\n  APIfile: ${LONG}\n`;

  it("file beats defaults", () => {
    const c = load({ flags: { config: "c.yaml" }, files: { "c.yaml": file } });
    expect(c).toMatchObject({ grpcAddr: "10.0.0.1:1", httpAddr: "10.0.0.1:2", dataDir: "/file", redis: { url: "redis://file" }, logLevel: "warn" });
  });

  it("env beats file, and ROOMGATE_CONFIG names the file", () => {
    const env: Env = {
      ROOMGATE_CONFIG: "c.yaml",
      ROOMGATE_GRPC_ADDR: "10.0.0.2:1",
      ROOMGATE_HTTP_ADDR: "10.0.0.2:2",
      ROOMGATE_DATA_DIR: "/env",
      ROOMGATE_REDIS_URL: "redis://env",
      ROOMGATE_LOG_LEVEL: "error",
    };
    const c = load({ env, files: { "c.yaml": file } });
    expect(c).toMatchObject({ grpcAddr: "10.0.0.2:1", httpAddr: "10.0.0.2:2", dataDir: "/env", redis: { url: "redis://env" }, logLevel: "error" });
  });

  it("flags beat env, and --config beats ROOMGATE_CONFIG", () => {
    const env: Env = { ROOMGATE_CONFIG: "missing.yaml", ROOMGATE_GRPC_ADDR: "10.0.0.2:1", ROOMGATE_DATA_DIR: "/env", ROOMGATE_REDIS_URL: "redis://env" };
    const c = load({
      flags: { config: "c.yaml", grpcAddr: "10.0.0.3:1", httpAddr: "10.0.0.3:2", redis: "redis://flag" },
      env,
      files: { "c.yaml": file },
    });
    expect(c).toMatchObject({ grpcAddr: "10.0.0.3:1", httpAddr: "10.0.0.3:2", redis: { url: "redis://flag" } });
    const d = load({ flags: { config: "c.yaml", data: "/flag" }, env: { ...env, ROOMGATE_REDIS_URL: undefined }, files: { "c.yaml": file.replace("redis_url: redis://file\n", "") } });
    expect(d.dataDir).toBe("/flag");
  });

  it("treats empty environment variables as unset", () => {
    const c = load({ env: { ...KEYED, ROOMGATE_GRPC_ADDR: "", ROOMGATE_LOG_LEVEL: "" } });
    expect(c.grpcAddr).toBe("0.0.0.0:7890");
    expect(c.logLevel).toBe("info");
  });

  it("merges keys: file keys, LIVEKIT_KEYS, then LIVEKIT_API_KEY/SECRET (later wins)", () => {
    const c = load({
      flags: { config: "c.yaml" },
      env: { LIVEKIT_KEYS: `APIfile: ${LONG2}, APIlk: ${LONG}`, ...KEYED },
      files: { "c.yaml": file },
    });
    expect(Object.fromEntries(c.keys.inline)).toEqual({ APIfile: LONG2, APIlk: LONG, APIenv: LONG });
  });

  it("takes the key file from ROOMGATE_KEY_FILE over key_file, and default_key from the file", () => {
    const c = load({
      flags: { config: "c.yaml" },
      env: { ROOMGATE_KEY_FILE: "env-keys.yaml" },
      files: { "c.yaml": "key_file: file-keys.yaml\ndefault_key: APIb\n", "env-keys.yaml": `APIa: ${LONG}\nAPIb: ${LONG2}\n` },
    });
    expect(c.keys.keyFile).toBe("env-keys.yaml");
    expect(c.keys.defaultKey).toBe("APIb");
  });

  it("reads token and participant settings from the file", () => {
    const c = load({
      flags: { config: "c.yaml" },
      env: KEYED,
      files: { "c.yaml": "tokens: {default_ttl: 1h, max_ttl: 2h, leeway: 10s, max_token_bytes: 4096}\nparticipants: {refresh_interval: 1m, max_name_bytes: 64, watch_buffer: 4, max_watchers_per_participant: 300}\nmax_request_bytes: 1048576\n" },
    });
    expect(c.mint).toEqual({ defaultTtlSeconds: 3600, maxTtlSeconds: 7200 });
    expect(c.policy).toEqual({ leewaySeconds: 10, maxTokenBytes: 4096 });
    expect(c.participants).toEqual({
      refreshIntervalSeconds: 60, refreshTtlSeconds: 600, limits: { ...DEFAULT_PARTICIPANT_SETTINGS.limits, nameBytes: 64 },
      watchBuffer: 4, maxWatchersPerParticipant: 300, maxWatchStreams: 10_000, maxWatchPendingBytes: 64 * 1024 * 1024,
    });
  });

  it("reads clients' hashes from the file", () => {
    const c = load({ flags: { config: "c.yaml" }, env: KEYED, files: { "c.yaml": `clients:\n  - {name: api, sha256: ${hashCredential("cred-1")}}\n` } });
    expect(matchClient(c.clients, "cred-1")?.name).toBe("api");
    expect(matchClient(c.clients, "devclient")).toBeUndefined();
  });
});

describe("validation", () => {
  it("refuses a start without keys, saying where keys come from", () => {
    expect(() => load()).toThrow(KeyConfigError);
    expect(() => load()).toThrow(/no API keys configured: .*LIVEKIT_KEYS/);
  });

  it("refuses a short secret outside --dev, naming the key, never the secret", () => {
    const run = () => load({ env: { LIVEKIT_KEYS: "APIshort: tooshort-secret-xyz" } });
    expect(run).toThrow('secret of API key "APIshort" is shorter than 32 bytes');
    try {
      run();
    } catch (err) {
      expect((err as Error).message).not.toContain("tooshort-secret-xyz");
    }
  });

  it("refuses a short secret in a key file, naming the key", () => {
    expect(() => load({ env: { ROOMGATE_KEY_FILE: "k.yaml" }, files: { "k.yaml": "APIfile: short\n" } })).toThrow('API key "APIfile"');
  });

  it("refuses LIVEKIT_API_KEY without LIVEKIT_API_SECRET", () => {
    expect(() => load({ env: { LIVEKIT_API_KEY: "APIx" } })).toThrow("LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set together");
  });

  it("refuses an unknown default key", () => {
    expect(() => load({ flags: { config: "c.yaml" }, env: KEYED, files: { "c.yaml": "default_key: APInope\n" } })).toThrow('default API key "APInope" is not configured');
  });

  it("names a missing config file", () => {
    expect(() => load({ flags: { config: "/nope.yaml" }, env: KEYED })).toThrow(new ConfigError("cannot read config file /nope.yaml (ENOENT)"));
  });

  it("checks addresses, naming their source", () => {
    expect(() => load({ flags: { grpcAddr: "7890" }, env: KEYED })).toThrow('--grpc-addr: "7890" is not a HOST:PORT address');
    expect(() => load({ env: { ...KEYED, ROOMGATE_HTTP_ADDR: "host:99999" } })).toThrow("ROOMGATE_HTTP_ADDR:");
    expect(load({ flags: { grpcAddr: "[::1]:0" }, env: KEYED }).grpcAddr).toBe("[::1]:0");
  });

  it("refuses an address without a host, with stray brackets or bracketing a name", () => {
    for (const addr of [":7890", "[example.com]:1", "[::1:1", " 127.0.0.1:1"]) {
      expect(() => load({ flags: { grpcAddr: addr }, env: KEYED }), addr).toThrow(`--grpc-addr: "${addr}" is not a HOST:PORT address`);
    }
  });

  it("checks the log level from the environment", () => {
    expect(() => load({ env: { ...KEYED, ROOMGATE_LOG_LEVEL: "loud" } })).toThrow("ROOMGATE_LOG_LEVEL must be one of debug, info, warn, error");
  });

  it("refuses a default ttl above the maximum", () => {
    expect(() => load({ flags: { config: "c.yaml" }, env: KEYED, files: { "c.yaml": "tokens: {default_ttl: 25h}\n" } })).toThrow("tokens.default_ttl must not exceed tokens.max_ttl");
  });

  it("refuses a request limit too small for the participant limits", () => {
    expect(() => load({ flags: { config: "c.yaml" }, env: KEYED, files: { "c.yaml": "max_request_bytes: 4096\n" } })).toThrow(/max_request_bytes \(4096\) is smaller/);
    expect(() => load({ flags: { config: "c.yaml" }, env: KEYED, files: { "c.yaml": "participants: {refresh_interval: 30d}\n" } })).toThrow(
      "participants.refresh_interval must be at most 2147483s (about 24 days)",
    );
    expect(() => load({ flags: { config: "c.yaml" }, env: KEYED, files: { "c.yaml": "max_request_bytes: 1048576\n" } })).toThrow(
      /max_request_bytes \(1048576\) must exceed tokens.max_token_bytes \(1048576\) by at least 65536 bytes/,
    );
  });

  it("reads connection settings over the defaults and checks them", () => {
    const c = load({ env: KEYED, files: { "c.yaml": "connections:\n  http_idle_timeout: 2m\n  max_connections: 10\n" }, flags: { config: "c.yaml" } });
    expect(c.connections).toEqual({ ...DEFAULT_CONNECTION_SETTINGS, httpIdleTimeoutMs: 120_000, maxConnections: 10 });
    expect(() => load({ env: KEYED, files: { "c.yaml": "connections:\n  http_header_timeout: 1m\n  http_request_timeout: 30s\n" }, flags: { config: "c.yaml" } })).toThrow(
      "connections.http_request_timeout must not be shorter than connections.http_header_timeout",
    );
    expect(() => load({ env: KEYED, files: { "c.yaml": "connections:\n  grpc_idle_timeout: 30d\n" }, flags: { config: "c.yaml" } })).toThrow(
      "connections.grpc_idle_timeout must be at most 2147483s (about 24 days)",
    );
  });

  it("refuses the same key with different secrets in the key file and inline", () => {
    const env = { ROOMGATE_KEY_FILE: "k.yaml", LIVEKIT_KEYS: `APIk: ${LONG}` };
    expect(() => load({ env, files: { "k.yaml": `APIk: ${LONG2}\n` } })).toThrow('API key "APIk" is defined both in key file k.yaml and inline');
  });
});

describe("--dev", () => {
  it("adds devkey/secret and the devclient credential, allows short secrets, binds loopback and uses a temp dir", () => {
    const c = load({ flags: { dev: true } });
    expect(c.dev).toBe(true);
    expect(c.keys.inline.get("devkey")).toBe("secret");
    expect(c.keys.allowShortSecrets).toBe(true);
    expect(matchClient(c.clients, "devclient")).toBeDefined();
    expect(c.clients.every((cl) => cl.sha256.length === 32)).toBe(true);
    expect(c.grpcAddr).toBe("127.0.0.1:7890");
    expect(c.httpAddr).toBe("127.0.0.1:7891");
    expect(c.dataDir).toBe("/tmp/roomgate-dev-1");
  });

  it("keeps configured keys and clients alongside the dev ones", () => {
    const c = load({ flags: { dev: true }, env: { LIVEKIT_KEYS: "mine: short" } });
    expect([...c.keys.inline.keys()].sort()).toEqual(["devkey", "mine"]);
  });

  it("uses --data when given, and ignores the configured data dir otherwise", () => {
    expect(load({ flags: { dev: true, data: "/keep" } }).dataDir).toBe("/keep");
    expect(load({ flags: { dev: true }, env: { ROOMGATE_DATA_DIR: "/prod" } }).dataDir).toBe("/tmp/roomgate-dev-1");
  });

  it("accepts loopback addresses", () => {
    for (const addr of ["127.0.0.1:0", "localhost:9000", "LOCALHOST:9000", "[::1]:9000", "[0:0:0:0:0:0:0:1]:9000", "127.0.0.2:1"]) {
      expect(load({ flags: { dev: true, grpcAddr: addr } }).grpcAddr).toBe(addr);
    }
  });

  it("refuses a non-loopback address from any source", () => {
    expect(() => load({ flags: { dev: true, grpcAddr: "0.0.0.0:7890" } })).toThrow('--dev listens on loopback only, but --grpc-addr is "0.0.0.0:7890"');
    expect(() => load({ flags: { dev: true, httpAddr: "192.168.1.5:80" } })).toThrow("--http-addr");
    expect(() => load({ flags: { dev: true, httpAddr: "127.999.0.1:80" } })).toThrow("--dev listens on loopback only");
    expect(() => load({ flags: { dev: true }, env: { ROOMGATE_GRPC_ADDR: "[::]:1" } })).toThrow("ROOMGATE_GRPC_ADDR");
    expect(() => load({ flags: { dev: true, config: "c.yaml" }, files: { "c.yaml": "http_addr: example.com:80\n" } })).toThrow("http_addr in c.yaml");
  });

  it("does not create a temp dir when the configuration is refused", () => {
    let made = 0;
    expect(() =>
      loadServerConfig({ flags: { dev: true, grpcAddr: "0.0.0.0:1" }, env: {}, readFile: files({}), makeTempDir: () => `${++made}` }),
    ).toThrow();
    expect(made).toBe(0);
  });

  it("--dev with Redis makes no temporary directory: Redis holds the data", () => {
    let made = 0;
    const c = loadServerConfig({ flags: { dev: true, redis: "redis://127.0.0.1:6379" }, env: {}, readFile: files({}), makeTempDir: () => `${++made}` });
    expect([made, c.redis?.url]).toEqual([0, "redis://127.0.0.1:6379"]);
  });
});

describe("loadKeyRing", () => {
  it("re-reads the key file on every call, so a reload picks up rotated keys", () => {
    const disk: Record<string, string> = { "k.yaml": `APIa: ${LONG}\n` };
    const sources = { inline: new Map<string, string>(), keyFile: "k.yaml", allowShortSecrets: false };
    expect(loadKeyRing(sources, files(disk)).apiKeys).toEqual(["APIa"]);
    disk["k.yaml"] = `APIa: ${LONG}\nAPIb: ${LONG2}\n`;
    expect(loadKeyRing(sources, files(disk)).apiKeys).toEqual(["APIa", "APIb"]);
  });

  it("merges inline keys and honours defaultKey", () => {
    const ring = loadKeyRing(
      { inline: new Map([["APIz", LONG]]), keyFile: "k.yaml", defaultKey: "APIz", allowShortSecrets: false },
      files({ "k.yaml": `APIa: ${LONG2}\n` }),
    );
    expect(ring.apiKeys).toEqual(["APIa", "APIz"]);
    expect(ring.defaultKey.apiKey).toBe("APIz");
  });

  it("fails on an unreadable key file", () => {
    expect(() => loadKeyRing({ inline: new Map(), keyFile: "gone.yaml", allowShortSecrets: false }, files({}))).toThrow("cannot read key file gone.yaml (ENOENT)");
  });
});

describe("reloadCredentials", () => {
  const config = `keys:\n  APIinline: ${LONG}\nkey_file: k.yaml\n`;
  const reload = (keyFile: string) => reloadCredentials({ flags: { config: "c.yaml" }, env: {}, readFile: files({ "c.yaml": config, "k.yaml": keyFile }) });

  it("reads the key file's keys next to the inline ones", () => {
    expect(reload(`APIa: ${LONG2}\n`).keyRing.apiKeys).toEqual(["APIa", "APIinline"]);
  });

  it.each([
    ["empty", ""],
    ["only whitespace", "\n  \n"],
    ["only a comment (cut before its first key)", "# rotated keys\n"],
  ])("refuses a key file that yields no key (%s), even when inline keys remain", (_, text) => {
    expect(() => reload(text)).toThrow(new ConfigError("key file k.yaml has no keys (empty or partly written?); a reload needs at least one key in it"));
  });

  it("refuses a half-written key file that does not parse", () => {
    expect(() => reload("APIa")).toThrow(ConfigError);
  });
});

describe("audit and metrics settings", () => {
  const file = "audit_log: /from/file.log\naudit_fsync: true\ninstance_id: gate-7\nmetrics: false\nmetrics_addr: 127.0.0.1:9100\n";

  it("--audit-log wins over ROOMGATE_AUDIT_LOG, which wins over audit_log", () => {
    const files_ = { "c.yaml": file };
    expect(load({ flags: { config: "c.yaml", auditLog: "-" }, env: { ...KEYED, ROOMGATE_AUDIT_LOG: "/from/env.log" }, files: files_ }).auditLog).toBe("-");
    expect(load({ flags: { config: "c.yaml" }, env: { ...KEYED, ROOMGATE_AUDIT_LOG: "/from/env.log" }, files: files_ }).auditLog).toBe("/from/env.log");
    expect(load({ flags: { config: "c.yaml" }, env: KEYED, files: files_ })).toMatchObject({
      auditLog: "/from/file.log", auditFsync: true, instanceId: "gate-7", metrics: false, metricsAddr: "127.0.0.1:9100",
    });
  });

  it("by default there is no audit log and metrics are on, on the HTTP port", () => {
    const c = load({ env: KEYED });
    expect([c.auditLog, c.auditFsync, c.instanceId, c.metrics, c.metricsAddr]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it("metrics_addr must be HOST:PORT, and loopback under --dev", () => {
    expect(() => load({ flags: { config: "c.yaml" }, env: KEYED, files: { "c.yaml": "metrics_addr: 9100\n" } }))
      .toThrow('metrics_addr in c.yaml: "9100" is not a HOST:PORT address');
    expect(() => load({ flags: { config: "c.yaml", dev: true }, files: { "c.yaml": "metrics_addr: 0.0.0.0:9100\n" } }))
      .toThrow("--dev listens on loopback only, but metrics_addr in c.yaml is \"0.0.0.0:9100\"");
  });
});

describe("durations that feed a Node timer", () => {
  it.each(["redis_timeout", "redis_max_staleness"])("refuses %s beyond about 24 days, which a timer would fire at once", (key) => {
    const files = { "c.yaml": `redis_url: redis://127.0.0.1:6379\n${key}: 25d\n` };
    expect(() => load({ flags: { config: "c.yaml" }, env: KEYED, files })).toThrow(`${key} must be at most 2147483s (about 24 days)`);
  });

  it("takes redis_timeout and redis_max_staleness within that bound", () => {
    const files = { "c.yaml": "redis_url: redis://127.0.0.1:6379\nredis_timeout: 3s\nredis_max_staleness: 0s\n" };
    expect(load({ flags: { config: "c.yaml" }, env: KEYED, files }).redis).toMatchObject({ timeoutMs: 3000, maxStalenessMs: 0 });
  });
});
