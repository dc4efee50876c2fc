import { describe, expect, it } from "vitest";
import { createKeyProvider, createKeyRing, KeyConfigError, MIN_SECRET_BYTES, signingKey } from "../../src/core/keys.js";
import { failure } from "./support.js";

const LONG_A = "a".repeat(MIN_SECRET_BYTES);
const LONG_B = "b".repeat(MIN_SECRET_BYTES + 8);

function configError(run: () => unknown): KeyConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof KeyConfigError) return err;
    throw err;
  }
  throw new Error("expected a KeyConfigError");
}

describe("createKeyRing", () => {
  it("refuses a secret shorter than 32 bytes, naming the key and not the secret", () => {
    const secret = "short-but-secret-31-bytes-long!";
    expect(Buffer.byteLength(secret)).toBe(MIN_SECRET_BYTES - 1);
    const err = configError(() => createKeyRing(new Map([["APIshort", secret]])));
    expect(err.message).toContain('"APIshort"');
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain("short-but");
  });

  it("counts bytes, not characters", () => {
    expect(() => createKeyRing(new Map([["k", "é".repeat(15)]]))).toThrow(KeyConfigError);
    expect(createKeyRing(new Map([["k", "é".repeat(16)]])).get("k")?.secretBytes).toBe(32);
  });

  it("accepts exactly 32 bytes", () => {
    expect(createKeyRing(new Map([["k", LONG_A]])).get("k")?.secretBytes).toBe(32);
  });

  it("accepts short secrets when allowed (dev mode)", () => {
    const ring = createKeyRing(new Map([["devkey", "secret"]]), { allowShortSecrets: true });
    expect(ring.defaultKey.apiKey).toBe("devkey");
    expect(ring.defaultKey.secretBytes).toBe(6);
  });

  it("still refuses an empty secret when short ones are allowed, without echoing anything", () => {
    const err = configError(() => createKeyRing(new Map([["devkey", ""]]), { allowShortSecrets: true }));
    expect(err.message).toBe('API key "devkey" has an empty secret');
  });

  it("refuses an empty key name and an empty key set", () => {
    expect(configError(() => createKeyRing(new Map([["", LONG_A]]))).message).toBe("an API key name is empty");
    expect(configError(() => createKeyRing(new Map())).message).toBe("no API keys configured");
  });

  it("picks the lexicographically first key by default, whatever the load order", () => {
    const a = createKeyRing(new Map([["zeta", LONG_A], ["alpha", LONG_B], ["mid", LONG_A]]));
    const b = createKeyRing(new Map([["mid", LONG_A], ["alpha", LONG_B], ["zeta", LONG_A]]));
    expect(a.defaultKey.apiKey).toBe("alpha");
    expect(b.defaultKey.apiKey).toBe("alpha");
    expect(a.apiKeys).toEqual(["alpha", "mid", "zeta"]);
  });

  it("uses a named default key, and refuses one that is not configured", () => {
    expect(createKeyRing(new Map([["zeta", LONG_A], ["alpha", LONG_B]]), { defaultKey: "zeta" }).defaultKey.apiKey).toBe("zeta");
    const err = configError(() => createKeyRing(new Map([["alpha", LONG_B]]), { defaultKey: "nope" }));
    expect(err.message).toBe('default API key "nope" is not configured');
  });

  it("looks keys up by exact name only", () => {
    const ring = createKeyRing(new Map([["APIkey", LONG_A]]));
    expect(ring.get("APIkey")?.apiKey).toBe("APIkey");
    expect(ring.get("apikey")).toBeUndefined();
    expect(ring.get("__proto__")).toBeUndefined();
    expect(ring.get("")).toBeUndefined();
  });

  it("never exposes the secret on the prepared key", () => {
    const ring = createKeyRing(new Map([["k", LONG_B]]));
    expect(JSON.stringify(ring.defaultKey)).not.toContain(LONG_B);
    expect(Object.values(ring.defaultKey)).not.toContain(LONG_B);
  });
});

describe("signingKey", () => {
  const ring = createKeyRing(new Map([["alpha", LONG_A], ["beta", LONG_B]]));

  it("uses the default key when none is named", () => {
    expect(signingKey(ring, "").apiKey).toBe("alpha");
  });

  it("uses the named key", () => {
    expect(signingKey(ring, "beta").apiKey).toBe("beta");
  });

  it("refuses an unknown key as a bad api_key field, without echoing it", () => {
    const err = failure(() => signingKey(ring, "gamma-secret-looking-name"));
    expect([err.reason, err.code, err.field]).toEqual(["invalid_argument", "INVALID_ARGUMENT", "api_key"]);
    expect(err.message).not.toContain("gamma");
  });
});

describe("createKeyProvider", () => {
  it("swaps rings atomically; a ring taken earlier is unchanged", () => {
    const first = createKeyRing(new Map([["old", LONG_A]]));
    const provider = createKeyProvider(first);
    const held = provider.current();
    provider.replace(createKeyRing(new Map([["new", LONG_B]])));
    expect(provider.current().get("new")?.apiKey).toBe("new");
    expect(provider.current().get("old")).toBeUndefined();
    expect(held.get("old")?.apiKey).toBe("old");
  });
});
