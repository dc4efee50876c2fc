import { describe, expect, it } from "vitest";
import { parseConfigFile } from "../../src/config/config-file.js";
import { loadServerConfig, type Env, type ServeFlags } from "../../src/config/load-config.js";
import { parseSentinelSpec, sentinelUrl } from "../../src/config/redis-sentinel-config.js";

const KEYED: Env = { LIVEKIT_API_KEY: "APIenv", LIVEKIT_API_SECRET: "a-secret-that-is-at-least-32-bytes-long" };
const SENTINELS = [{ host: "10.0.0.1", port: 26379 }, { host: "::1", port: 26380 }];

function load(flags: ServeFlags, env: Env = {}, file?: string) {
  return loadServerConfig({
    flags: file === undefined ? flags : { config: "c.yaml", ...flags },
    env: { ...KEYED, ...env },
    readFile: (path) => {
      if (path === "c.yaml" && file !== undefined) return file;
      throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
    },
    makeTempDir: () => "/tmp/unused",
  });
}

describe("parseSentinelSpec (--redis-sentinel, ROOMGATE_REDIS_SENTINEL)", () => {
  it("reads MASTER@HOST:PORT,HOST:PORT in order (IPv6 bracketed, spaces after commas allowed)", () => {
    expect(parseSentinelSpec("mymaster@10.0.0.1:26379, [::1]:26380", "--redis-sentinel")).toEqual({ master: "mymaster", sentinels: SENTINELS });
  });

  it.each([
    ["10.0.0.1:26379", "--redis-sentinel must be MASTER@HOST:PORT[,HOST:PORT…] (the name Sentinel monitors, then the sentinels)"],
    ["@10.0.0.1:26379", "--redis-sentinel must be MASTER@HOST:PORT[,HOST:PORT…] (the name Sentinel monitors, then the sentinels)"],
    ["mymaster@", '--redis-sentinel lists no sentinel after "@"'],
    ["mymaster@10.0.0.1", '--redis-sentinel: sentinel "10.0.0.1" is not HOST:PORT (port 1-65535; IPv6 as [::1]:PORT)'],
    ["mymaster@10.0.0.1:26379,", '--redis-sentinel: sentinel "" is not HOST:PORT (port 1-65535; IPv6 as [::1]:PORT)'],
    ["mymaster@10.0.0.1:0", '--redis-sentinel: sentinel "10.0.0.1:0" must name a host and a port from 1 to 65535'],
    ["mymaster@:26379", '--redis-sentinel: sentinel ":26379" must name a host and a port from 1 to 65535'],
    ["my master@10.0.0.1:26379", '--redis-sentinel: the master name "my master" must be letters, digits, ".", "_" or "-"'],
  ])("refuses %j", (spec, message) => {
    expect(() => parseSentinelSpec(spec, "--redis-sentinel")).toThrow(message);
  });
});

describe("redis_sentinel in the config file", () => {
  it("reads master and sentinels", () => {
    const text = 'redis_sentinel:\n  master: mymaster\n  sentinels: [10.0.0.1:26379, "[::1]:26380"]\n';
    expect(parseConfigFile(text, "c.yaml")).toEqual({ redisSentinel: { master: "mymaster", sentinels: SENTINELS } });
  });

  it.each([
    ["redis_sentinel:\n  master: mymaster\n  sentinels: []\n", "c.yaml:3: redis_sentinel.sentinels must list at least one sentinel"],
    ["redis_sentinel:\n  master: mymaster\n  sentinels: 10.0.0.1:26379\n", "c.yaml:3: redis_sentinel.sentinels must be a list of HOST:PORT"],
    ["redis_sentinel:\n  master: mymaster\n  sentinels:\n    - 10.0.0.1:26379\n    - 10.0.0.2\n", 'c.yaml:5: redis_sentinel.sentinels[1]: sentinel "10.0.0.2" is not HOST:PORT'],
    ["redis_sentinel:\n  sentinels: [10.0.0.1:26379]\n", "c.yaml:1: redis_sentinel needs both master and sentinels"],
    ["redis_sentinel:\n  master: mymaster\n", "c.yaml:1: redis_sentinel needs both master and sentinels"],
    ["redis_sentinel:\n  master: \"\"\n  sentinels: [10.0.0.1:26379]\n", "c.yaml:2: redis_sentinel.master must be a non-empty string"],
    ["redis_sentinel:\n  master: mymaster\n  sentinels: [10.0.0.1:26379]\n  password: x\n", 'c.yaml:4: unknown key "redis_sentinel.password" (known: master, sentinels)'],
    ["redis_sentinel: mymaster@10.0.0.1:26379\n", "c.yaml:1: redis_sentinel must be a mapping"],
  ])("refuses %j with its line", (text, message) => {
    expect(() => parseConfigFile(text, "c.yaml")).toThrow(message);
  });
});

describe("Sentinel in the resolved configuration", () => {
  const FILE = "redis_sentinel:\n  master: mymaster\n  sentinels: [10.0.0.1:26379]\n";

  it("uses redis://MASTER when no URL is given, and a URL whose host is the master name for credentials, database and TLS", () => {
    expect(load({}, {}, FILE).redis).toMatchObject({ url: "redis://mymaster", sentinel: { master: "mymaster", sentinels: [SENTINELS[0]] } });
    const c = load({}, {}, `${FILE}redis_url: rediss://app:pw@mymaster/3\n`);
    expect(c.redis?.url).toBe("rediss://app:pw@mymaster/3");
  });

  it("takes --redis-sentinel over ROOMGATE_REDIS_SENTINEL over the file", () => {
    const env = { ROOMGATE_REDIS_SENTINEL: "envmaster@10.0.0.2:26379" };
    expect(load({}, env, FILE).redis?.sentinel).toEqual({ master: "envmaster", sentinels: [{ host: "10.0.0.2", port: 26379 }] });
    expect(load({ redisSentinel: "flagmaster@10.0.0.3:26379" }, env, FILE).redis?.sentinel).toEqual({ master: "flagmaster", sentinels: [{ host: "10.0.0.3", port: 26379 }] });
  });

  it("refuses a URL that names a server of its own next to Sentinel, saying how to write it", () => {
    expect(() => load({ redis: "redis://10.0.0.9:6379" }, {}, FILE)).toThrow(
      '--redis names the server "10.0.0.9:6379", but redis_sentinel in c.yaml asks Sentinel where the primary is: write it as redis[s]://[user:password@]mymaster[/db] (the master name as host, no port), or leave it out',
    );
    expect(() => load({ redisSentinel: "mymaster@10.0.0.1:26379" }, { ROOMGATE_REDIS_URL: "redis://:pw@mymaster:6379" })).toThrow(
      'ROOMGATE_REDIS_URL names the server "mymaster:6379", but --redis-sentinel asks Sentinel',
    );
  });

  it("refuses --data next to Sentinel, and leaves Redis off when neither a URL nor Sentinel is given", () => {
    expect(() => load({ data: "/d" }, {}, FILE)).toThrow("--data and redis_sentinel in c.yaml both choose the participant store; give one of them");
    const plain = load({});
    expect(plain.redis).toBeUndefined();
  });

  it("sentinelUrl never echoes the URL's password in its refusal", () => {
    expect(() => sentinelUrl({ master: "m", sentinels: [] }, "redis_sentinel", ["redis://u:hunter2@other/0", "--redis"])).toThrow(/^(?!.*hunter2)/);
  });
});
