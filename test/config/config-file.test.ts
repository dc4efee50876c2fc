import { describe, expect, it } from "vitest";
import { parseConfigFile } from "../../src/config/config-file.js";
import { hashCredential } from "../../src/core/credentials.js";

const SECRET = "0123456789abcdef0123456789abcdef-secret";

const FULL = `
grpc_addr: 127.0.0.1:9000
http_addr: "[::1]:9001"
data_dir: /var/lib/roomgate
redis_url: redis://localhost:6379
keys:
  APIone: ${SECRET}
key_file: /etc/roomgate/keys.yaml
default_key: APIone
clients:
  - name: backend
    sha256: ${hashCredential("backend-credential")}
tokens:
  default_ttl: 1h
  max_ttl: 12h
  leeway: 30s
  max_token_bytes: 65536
participants:
  refresh_interval: 2m
  refresh_ttl: 15m
  max_name_bytes: 128
  max_metadata_bytes: 1024
  max_attributes_bytes: 2048
  watch_buffer: 16
  max_watchers_per_participant: 4
  max_watch_streams: 500
  max_watch_pending_bytes: 1048576
log_level: debug
max_request_bytes: 2097152
`;

describe("parseConfigFile", () => {
  it("reads every key into camelCase settings (durations in seconds)", () => {
    const c = parseConfigFile(FULL, "roomgate.yaml");
    expect(c).toMatchObject({
      grpcAddr: "127.0.0.1:9000",
      httpAddr: "[::1]:9001",
      dataDir: "/var/lib/roomgate",
      redisUrl: "redis://localhost:6379",
      keyFile: "/etc/roomgate/keys.yaml",
      defaultKey: "APIone",
      tokens: { defaultTtlSeconds: 3600, maxTtlSeconds: 43200, leewaySeconds: 30, maxTokenBytes: 65536 },
      participants: {
        refreshIntervalSeconds: 120, refreshTtlSeconds: 900, maxNameBytes: 128, maxMetadataBytes: 1024, maxAttributesBytes: 2048,
        watchBuffer: 16, maxWatchersPerParticipant: 4, maxWatchStreams: 500, maxWatchPendingBytes: 1048576,
      },
      logLevel: "debug",
      maxRequestBytes: 2097152,
    });
    expect([...c.keys!]).toEqual([["APIone", SECRET]]);
    expect(c.clients).toHaveLength(1);
    expect(c.clients![0]!.name).toBe("backend");
    expect(c.clients![0]!.sha256.toString("hex")).toBe(hashCredential("backend-credential"));
  });

  it("reads the connections section (durations in seconds; connection age 0 means no limit)", () => {
    const text = `connections:
  max_connections: 100
  http_header_timeout: 5s
  http_request_timeout: 20s
  http_idle_timeout: 1m
  grpc_idle_timeout: 10m
  grpc_keepalive_time: 30s
  grpc_keepalive_timeout: 10s
  grpc_max_connection_age: 0s
  grpc_max_connection_age_grace: 1m
`;
    expect(parseConfigFile(text, "c.yaml")).toEqual({
      connections: {
        maxConnections: 100, httpHeaderTimeoutSeconds: 5, httpRequestTimeoutSeconds: 20, httpIdleTimeoutSeconds: 60,
        grpcIdleTimeoutSeconds: 600, grpcKeepaliveTimeSeconds: 30, grpcKeepaliveTimeoutSeconds: 10,
        grpcMaxConnectionAgeSeconds: 0, grpcMaxConnectionAgeGraceSeconds: 60,
      },
    });
    expect(() => parseConfigFile("connections:\n  max_connections: 0\n", "c.yaml")).toThrow("c.yaml:2: connections.max_connections must be a positive whole number");
    expect(() => parseConfigFile("connections:\n  http_idle_timeout: 0s\n", "c.yaml")).toThrow("c.yaml:2: connections.http_idle_timeout must be whole seconds, at least 1s");
    expect(() => parseConfigFile("connections:\n  grpc_keepalive_time: 30\n", "c.yaml")).toThrow('c.yaml:2: connections.grpc_keepalive_time must be a duration like "6h" or "90s"');
    expect(() => parseConfigFile("connections:\n  idle: 1s\n", "c.yaml")).toThrow('c.yaml:2: unknown key "connections.idle"');
  });

  it("leaves absent keys undefined", () => {
    expect(parseConfigFile("log_level: warn\n", "f")).toEqual({ logLevel: "warn" });
    expect(parseConfigFile("", "f")).toEqual({});
  });

  it("names unknown keys, at any depth, with file and line", () => {
    expect(() => parseConfigFile("grpc_addr: a:1\ngrpc_adr: b:2\nfoo: 1\n", "c.yaml")).toThrow(
      /^c\.yaml:2: unknown keys "grpc_adr", "foo" \(known: grpc_addr,/,
    );
    expect(() => parseConfigFile("tokens:\n  default_tll: 1h\n", "c.yaml")).toThrow('c.yaml:2: unknown key "tokens.default_tll"');
    expect(() => parseConfigFile("clients:\n  - name: a\n    sha: x\n", "c.yaml")).toThrow('unknown key "clients[0].sha"');
  });

  it("refuses camelCase keys (the file is snake_case)", () => {
    expect(() => parseConfigFile("grpcAddr: a:1\n", "c.yaml")).toThrow('unknown key "grpcAddr"');
  });

  it("wants Go-style duration strings", () => {
    expect(() => parseConfigFile("tokens:\n  default_ttl: 3600\n", "c.yaml")).toThrow('c.yaml:2: tokens.default_ttl must be a duration like "6h"');
    expect(() => parseConfigFile("tokens:\n  max_ttl: soon\n", "c.yaml")).toThrow("tokens.max_ttl must be a duration");
    expect(() => parseConfigFile("tokens:\n  max_ttl: 1500ms\n", "c.yaml")).toThrow("tokens.max_ttl must be whole seconds, at least 1s");
    expect(parseConfigFile("tokens:\n  leeway: 0s\n", "c.yaml").tokens).toEqual({ leewaySeconds: 0 });
    expect(parseConfigFile("tokens:\n  max_ttl: 1h30m\n", "c.yaml").tokens).toEqual({ maxTtlSeconds: 5400 });
  });

  it("wants positive whole byte counts", () => {
    expect(() => parseConfigFile("max_request_bytes: 1MiB\n", "c.yaml")).toThrow("max_request_bytes must be a positive whole number of bytes");
    expect(() => parseConfigFile("participants:\n  max_name_bytes: 0\n", "c.yaml")).toThrow("participants.max_name_bytes must be a positive");
  });

  it("wants positive whole numbers for the watch stream limits", () => {
    for (const key of ["watch_buffer", "max_watchers_per_participant", "max_watch_streams"]) {
      for (const bad of ["0", "-1", "2.5", "many", "1e400"]) {
        expect(() => parseConfigFile(`participants:\n  ${key}: ${bad}\n`, "c.yaml")).toThrow(`c.yaml:2: participants.${key} must be a positive whole number`);
      }
    }
    expect(parseConfigFile("participants:\n  max_watch_streams: 1\n", "c.yaml").participants).toEqual({ maxWatchStreams: 1 });
  });

  it("checks log levels", () => {
    expect(() => parseConfigFile("log_level: verbose\n", "c.yaml")).toThrow("c.yaml:1: log_level must be one of debug, info, warn, error");
  });

  it("checks clients: a list of {name, sha256} with 64 hex digits, never the credential itself", () => {
    expect(() => parseConfigFile("clients: {name: a}\n", "c.yaml")).toThrow("clients must be a list of {name, sha256}");
    expect(() => parseConfigFile("clients:\n  - name: a\n", "c.yaml")).toThrow("c.yaml:2: clients[0] needs both name and sha256");
    const plain = parseConfigFile.bind(null, "clients:\n  - name: a\n    sha256: my-plain-credential\n", "c.yaml");
    expect(plain).toThrow('client "a": sha256 must be 64 hex digits');
    expect(plain).not.toThrow("my-plain-credential");
    const h = hashCredential("x");
    expect(() => parseConfigFile(`clients:\n  - {name: a, sha256: ${h}}\n  - {name: a, sha256: ${h}}\n`, "c.yaml")).toThrow('client "a" is listed twice');
  });

  it("reports keys errors without the secret", () => {
    const run = () => parseConfigFile(`keys:\n  good: ${SECRET}\n  empty: ""\n`, "c.yaml");
    expect(run).toThrow('c.yaml:3: API key "empty" has an empty secret');
    expect(() => parseConfigFile(`keys: ${SECRET}\n`, "c.yaml")).toThrow("c.yaml:1: keys must be a mapping");
    expect(() => parseConfigFile(`keys: ${SECRET}\n`, "c.yaml")).not.toThrow(SECRET);
  });

  it("reports YAML syntax errors with file and line only", () => {
    expect(() => parseConfigFile(`keys:\n  a: ${SECRET}: x\n`, "c.yaml")).toThrow(/^c\.yaml:2: invalid YAML/);
  });
});
