import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfigFile } from "../../src/config/config-file.js";
import { parseKeyFile, parseKeysEnv, readKeyFile } from "../../src/config/key-file.js";

const SECRET = "s3cr3t-value-that-must-never-be-printed";

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a throw");
}

describe("parseKeyFile", () => {
  it("reads a LiveKit key file (key: secret per line, comments allowed)", () => {
    const keys = parseKeyFile(`# keys\nAPIabc: ${SECRET}\nAPIdef: "quoted: with colon"\n`, "keys.yaml");
    expect([...keys]).toEqual([["APIabc", SECRET], ["APIdef", "quoted: with colon"]]);
  });

  it("keeps numeric-looking secrets as typed", () => {
    expect(parseKeyFile("k1: 0x1F\nk2: 12345\n", "f").get("k1")).toBe("0x1F");
    expect(parseKeyFile("k2: 12345\n", "f").get("k2")).toBe("12345");
  });

  it("treats an empty or comment-only file as no keys", () => {
    expect(parseKeyFile("", "f").size).toBe(0);
    expect(parseKeyFile("# nothing\n", "f").size).toBe(0);
  });

  it("names file and line of a syntax error without echoing the secret", () => {
    const err = errorOf(() => parseKeyFile(`good: ${SECRET}\nbad: x: ${SECRET}\n`, "keys.yaml"));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^keys\.yaml:2: invalid YAML/);
    expect(err.message).not.toContain(SECRET);
  });

  it("refuses duplicate keys, naming the key and line", () => {
    const err = errorOf(() => parseKeyFile(`a: ${SECRET}\nb: ${SECRET}\na: ${SECRET}\n`, "k.yaml"));
    expect(err.message).toBe('k.yaml:3: invalid YAML: duplicate key "a"');
  });

  it("names the whole repeated key, not its first character", () => {
    expect(errorOf(() => parseKeyFile(`APIlong: ${SECRET}\nAPIlong: ${SECRET}\n`, "k.yaml")).message).toBe('k.yaml:2: invalid YAML: duplicate key "APIlong"');
    expect(errorOf(() => parseKeyFile(`"APIq": ${SECRET}\nAPIq: ${SECRET}\n`, "k.yaml")).message).toBe('k.yaml:2: invalid YAML: duplicate key "APIq"');
    expect(errorOf(() => parseKeysEnv(`APIa: ${SECRET}, APIa: ${SECRET}`)).message).toContain('LIVEKIT_KEYS:1: invalid YAML: duplicate key "APIa"');
  });

  it("refuses a key without a secret, naming the key and line", () => {
    expect(() => parseKeyFile("a: x\nlonely:\n", "k.yaml")).toThrow('k.yaml:2: API key "lonely" needs a secret string');
    expect(() => parseKeyFile('a: ""\n', "k.yaml")).toThrow('k.yaml:1: API key "a" has an empty secret');
    expect(() => parseKeyFile("a: [1, 2]\n", "k.yaml")).toThrow('API key "a" needs a secret string');
  });

  it("refuses a file that is not a mapping", () => {
    expect(() => parseKeyFile("- a\n- b\n", "k.yaml")).toThrow("k.yaml:1: key file must be a mapping");
  });

  it("reports an unreadable file by path and errno only", () => {
    const readFile = () => {
      throw Object.assign(new Error(`ENOENT: no such file, open '/x' ${SECRET}`), { code: "ENOENT" });
    };
    expect(() => readKeyFile("/etc/roomgate/keys.yaml", readFile)).toThrow("cannot read key file /etc/roomgate/keys.yaml (ENOENT)");
  });
});

describe("parseKeysEnv (LIVEKIT_KEYS)", () => {
  it("reads one entry", () => {
    expect([...parseKeysEnv("devkey: secret")]).toEqual([["devkey", "secret"]]);
  });

  it("reads comma-separated entries, as livekit-server documents", () => {
    expect([...parseKeysEnv("key1: secret1, key2: secret2")]).toEqual([["key1", "secret1"], ["key2", "secret2"]]);
  });

  it("reads multi-line YAML and flow mappings", () => {
    expect([...parseKeysEnv("key1: secret1\nkey2: secret2\n")]).toEqual([["key1", "secret1"], ["key2", "secret2"]]);
    expect([...parseKeysEnv("{key1: secret1, key2: secret2}")]).toHaveLength(2);
  });

  it("treats blank as no keys", () => {
    expect(parseKeysEnv("  ").size).toBe(0);
  });

  it("explains the expected format without echoing the value", () => {
    const err = errorOf(() => parseKeysEnv(`key1 ${SECRET}`));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("LIVEKIT_KEYS");
    expect(err.message).toContain('expected "key: secret" entries');
    expect(err.message).not.toContain(SECRET);
  });
});

// A secret written without ": " after the key (APIa:secret, APIa=secret, APIa secret) is read as one key, with no value.
describe("a secret run into its key is never printed", () => {
  const S = "mysecretvalue";
  const vectors: [string, () => unknown][] = [
    ["LIVEKIT_KEYS=APIa:S", () => parseKeysEnv(`APIa:${S}`)],
    ["LIVEKIT_KEYS=APIa:S+/=", () => parseKeysEnv(`APIa:${S}+/=`)],
    ["LIVEKIT_KEYS second entry", () => parseKeysEnv(`APIa: ${SECRET}, APIb:${S}`)],
    ["LIVEKIT_KEYS flow mapping", () => parseKeysEnv(`{APIa:${S}}`)],
    ["LIVEKIT_KEYS multi-line", () => parseKeysEnv(`APIa: ${SECRET}\nAPIb:${S}:\n`)],
    ["LIVEKIT_KEYS APIa=S", () => parseKeysEnv(`APIa=${S}`)],
    ["LIVEKIT_KEYS APIa S", () => parseKeysEnv(`APIa ${S}`)],
    ["LIVEKIT_KEYS APIa;S", () => parseKeysEnv(`APIa;${S}`)],
    ["LIVEKIT_KEYS APIa/S", () => parseKeysEnv(`APIa/${S}`)],
    ["LIVEKIT_KEYS repeated", () => parseKeysEnv(`APIa:${S}, APIa:${S}`)],
    ["LIVEKIT_KEYS empty secret", () => parseKeysEnv(`"APIa:${S}": ""`)],
    ["key file APIa:S:", () => parseKeyFile(`APIa:${S}:\n`, "k.yaml")],
    ["key file APIa:S", () => parseKeyFile(`good: ${SECRET}\nAPIa:${S}\n`, "k.yaml")],
    ["key file quoted", () => parseKeyFile(`"APIa:${S}":\n`, "k.yaml")],
    ["key file repeated", () => parseKeyFile(`"APIa ${S}": x\n"APIa ${S}": y\n`, "k.yaml")],
    ["config keys: block", () => parseConfigFile(`keys:\n  APIa:${S}:\n`, "c.yaml")],
    ["config keys: flow", () => parseConfigFile(`keys: {APIa:${S}}\n`, "c.yaml")],
    ["config keys: =", () => parseConfigFile(`keys: {APIa=${S}}\n`, "c.yaml")],
    ["config top level", () => parseConfigFile(`APIa:${S}: x\n`, "c.yaml")],
    ["config tokens section", () => parseConfigFile(`tokens:\n  APIa:${S}: x\n`, "c.yaml")],
  ];

  it.each(vectors)("%s", (_name, fn) => {
    const err = errorOf(fn);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain(S);
  });

  it("says which entry, by source and line", () => {
    expect(errorOf(() => parseKeysEnv(`APIa:${S}`)).message).toBe(
      'LIVEKIT_KEYS:1: an entry needs a secret string (write "key: secret", with a space after the colon) (expected "key: secret" entries, comma-separated)',
    );
    expect(errorOf(() => parseConfigFile(`keys:\n  good: ${SECRET}\n  APIa:${S}:\n`, "c.yaml")).message).toBe(
      'c.yaml:3: an entry needs a secret string (write "key: secret", with a space after the colon)',
    );
    expect(errorOf(() => parseKeysEnv(`APIa:${S}, APIa:${S}`)).message).toMatch(/^LIVEKIT_KEYS:1: invalid YAML: an entry is repeated/);
    expect(errorOf(() => parseKeysEnv(`"APIa:${S}": ""`)).message).toMatch(/^LIVEKIT_KEYS:1: an entry has an empty secret/);
  });
});
