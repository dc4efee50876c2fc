import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_DEFAULTS, loadServerConfig } from "../../src/config/load-config.js";
import { DEFAULT_CONNECTION_SETTINGS, DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";

// The README's example config is what users copy first: it must start a server, and its limits must be the defaults it claims.
function readmeConfig(): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const block = /```yaml\n(# roomgate\.yaml\n[\s\S]*?)```/.exec(readme);
  if (!block) throw new Error("README has no ```yaml block starting with # roomgate.yaml");
  return block[1]!;
}

describe("README example config", () => {
  const KEY_FILE = "/etc/roomgate/keys.yaml";
  const load = () =>
    loadServerConfig({
      flags: { config: "roomgate.yaml" },
      env: {},
      readFile: (path) => {
        if (path === "roomgate.yaml") return readmeConfig();
        if (path === KEY_FILE) return "APIxxxx: a-secret-that-is-at-least-32-bytes-long\n";
        throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
      },
      makeTempDir: () => "/tmp/unused",
    });

  it("loads as written (the key file holding the key it names)", () => {
    const c = load();
    expect([c.grpcAddr, c.httpAddr, c.dataDir, c.keys.keyFile, c.keys.defaultKey]).toEqual(["0.0.0.0:7890", "0.0.0.0:7891", "/var/lib/roomgate", KEY_FILE, "APIxxxx"]);
  });

  it("lists every limit, timeout and TTL at its default, as the README says", () => {
    const c = load();
    expect(c.mint).toEqual({ defaultTtlSeconds: CONFIG_DEFAULTS.defaultTtlSeconds, maxTtlSeconds: CONFIG_DEFAULTS.maxTtlSeconds });
    expect(c.policy).toEqual({ leewaySeconds: CONFIG_DEFAULTS.leewaySeconds, maxTokenBytes: CONFIG_DEFAULTS.maxTokenBytes });
    expect(c.participants).toEqual(DEFAULT_PARTICIPANT_SETTINGS);
    expect(c.connections).toEqual(DEFAULT_CONNECTION_SETTINGS);
    expect(c.maxRequestBytes).toBe(CONFIG_DEFAULTS.maxRequestBytes);
    expect(c.logLevel).toBe(CONFIG_DEFAULTS.logLevel);
  });
});
