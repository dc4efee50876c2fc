import { describe, expect, it } from "vitest";
import type { Reason } from "../../src/core/errors.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import { createHmacKey } from "../../src/core/hmac-key.js";
import { DEFAULT_TOKEN_POLICY, decodeJwt, signJwt, verifyJwt, type VerifiedToken } from "../../src/core/jwt.js";
import { forgeJwt, hs256 } from "./forge.js";
import { failure, keyLookup, loadVector } from "./support.js";

interface TokenVector {
  name: string;
  apiKey: string;
  secret: string;
  now: number;
  token: string;
  expect: { ok: Omit<VerifiedToken, "apiKey"> } | { error: Reason };
}

interface HostileCorpus {
  apiKey: string;
  secret: string;
  now: number;
  cases: { name: string; token: string; reason: Reason; code: string }[];
}

const tokens = loadVector<{ vectors: TokenVector[] }>("tokens.json").vectors;
const hostile = loadVector<HostileCorpus>("hostile-tokens.json");

describe("verifyJwt: tokens.json", () => {
  it.each(tokens.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const run = () => verifyJwt(v.token, keyLookup({ [v.apiKey]: v.secret }), v.now * 1000);
    if ("ok" in v.expect) {
      expect(run()).toStrictEqual({ apiKey: v.apiKey, ...v.expect.ok });
    } else {
      const err = failure(run);
      expect(err.reason).toBe(v.expect.error);
      expect(err.code).toBe("UNAUTHENTICATED");
    }
  });

  it("decodes the Go-shaped and jose-shaped derived tokens to the same grants", () => {
    const byName = (prefix: string) => tokens.find((v) => v.name.startsWith(prefix))!;
    const go = byName("derived Go-shaped");
    const jose = byName("derived jose-shaped");
    const keys = keyLookup({ devkey: "secret" });
    expect(go.token).not.toBe(jose.token);
    expect(verifyJwt(go.token, keys, go.now * 1000).grants).toStrictEqual(verifyJwt(jose.token, keys, jose.now * 1000).grants);
  });
});

describe("verifyJwt: hostile-tokens.json", () => {
  const keys = keyLookup({ [hostile.apiKey]: hostile.secret });

  it("holds a control token that verifies, so each refusal is down to its one defect", () => {
    const control = hs256({ iss: hostile.apiKey, sub: "eve", exp: hostile.now + 3500, nbf: hostile.now - 100 }, hostile.secret);
    expect(verifyJwt(control, keys, hostile.now * 1000).identity).toBe("eve");
  });

  it.each(hostile.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const err = failure(() => verifyJwt(c.token, keys, hostile.now * 1000));
    expect(err.reason).toBe(c.reason);
    expect(err.code).toBe(c.code);
  });
});

describe("verifyJwt: hostile tokens too large to store", () => {
  const secret = "large-secret-that-is-32-bytes!!!";
  const keys = keyLookup({ bigkey: secret });
  const now = 1_700_000_100;
  const base = { iss: "bigkey", sub: "eve", exp: now + 3600, nbf: now - 100 };

  it("refuses a correctly signed token over 1 MiB as malformed", () => {
    const token = hs256({ ...base, metadata: "x".repeat(DEFAULT_TOKEN_POLICY.maxTokenBytes) }, secret);
    expect(token.length).toBeGreaterThan(DEFAULT_TOKEN_POLICY.maxTokenBytes);
    const err = failure(() => verifyJwt(token, keys, now * 1000));
    expect([err.reason, err.code]).toEqual(["token_malformed", "UNAUTHENTICATED"]);
  });

  it("accepts a large token just under the limit", () => {
    const token = hs256({ ...base, metadata: "x".repeat(700_000) }, secret);
    expect(token.length).toBeLessThanOrEqual(DEFAULT_TOKEN_POLICY.maxTokenBytes);
    expect(verifyJwt(token, keys, now * 1000).grants.metadata).toHaveLength(700_000);
  });

  it("applies a stricter policy's size limit", () => {
    const token = hs256(base, secret);
    const err = failure(() => verifyJwt(token, keys, now * 1000, { ...DEFAULT_TOKEN_POLICY, maxTokenBytes: token.length - 1 }));
    expect(err.reason).toBe("token_malformed");
    expect(verifyJwt(token, keys, now * 1000, { ...DEFAULT_TOKEN_POLICY, maxTokenBytes: token.length }).identity).toBe("eve");
  });

  // Decision: unknown fields are ignored however deep they go, as long as the token fits the size limit.
  it("ignores deeply nested unknown fields without crashing", () => {
    const depth = 50_000;
    const deepArrays = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const deepObjects = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const payload = `{"iss":"bigkey","sub":"eve","exp":${now + 3600},"future":${deepArrays},"video":{"roomJoin":true,"room":"r","futureGrant":${deepObjects}}}`;
    const token = hs256(payload, secret);
    expect(token.length).toBeLessThanOrEqual(DEFAULT_TOKEN_POLICY.maxTokenBytes);
    const verified = verifyJwt(token, keys, now * 1000);
    expect(verified.grants).toStrictEqual({ identity: "eve", video: { roomJoin: true, room: "r" } });
  });

  it("refuses the same deep nesting inside roomConfig", () => {
    const depth = 50_000;
    const payload = `{"iss":"bigkey","sub":"eve","exp":${now + 3600},"roomConfig":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`;
    const err = failure(() => verifyJwt(hs256(payload, secret), keys, now * 1000));
    expect(err.reason).toBe("token_malformed");
  });
});

describe("verifyJwt: policy and ordering", () => {
  const secret = "policy-secret-that-is-32-bytes!!";
  const keys = keyLookup({ pk: secret });
  const t = 1_700_000_000;
  const token = hs256({ iss: "pk", sub: "u", exp: t + 100, nbf: t }, secret);

  it("uses the policy's leeway instead of a fixed 60 s", () => {
    const tenSeconds = { ...DEFAULT_TOKEN_POLICY, leewaySeconds: 10 };
    expect(failure(() => verifyJwt(token, keys, (t + 110) * 1000, tenSeconds)).reason).toBe("token_expired");
    expect(verifyJwt(token, keys, (t + 109) * 1000, tenSeconds).expiresAt).toBe(t + 100);
    expect(failure(() => verifyJwt(token, keys, (t - 11) * 1000, tenSeconds)).reason).toBe("token_not_yet_valid");
  });

  it("compares times to the millisecond at the expiry edge", () => {
    expect(verifyJwt(token, keys, (t + 160) * 1000 - 1).identity).toBe("u");
    expect(failure(() => verifyJwt(token, keys, (t + 160) * 1000)).reason).toBe("token_expired");
  });

  it("checks the signature before the claims, so a forged expired token says signature_invalid", () => {
    const forged = hs256({ iss: "pk", sub: "u", exp: t - 1000 }, "wrong-secret-that-is-32-bytes!!!");
    expect(failure(() => verifyJwt(forged, keys, t * 1000)).reason).toBe("token_signature_invalid");
  });

  it("refuses a disallowed alg before looking up the key", () => {
    const hs512 = forgeJwt({ alg: "HS512" }, { iss: "nobody", exp: t + 100 }, secret, "sha512");
    expect(failure(() => verifyJwt(hs512, keys, t * 1000)).reason).toBe("token_algorithm_not_allowed");
  });

  it("reports the key it verified with and all three times", () => {
    const full = hs256({ iss: "pk", sub: "u", exp: t + 100, nbf: t, iat: t - 5 }, secret);
    expect(verifyJwt(full, keys, t * 1000)).toStrictEqual({
      apiKey: "pk", identity: "u", grants: { identity: "u" }, issuedAt: t - 5, notBefore: t, expiresAt: t + 100,
    });
  });
});

describe("signJwt", () => {
  const key = createHmacKey("devkey", "secret");

  it("reproduces the derived Go-shaped vector byte for byte", () => {
    const payload = { iss: "devkey", sub: "alice", exp: 1700021600, nbf: 1700000000, iat: 1700000000, identity: "alice", video: { roomJoin: true, room: "myroom" } };
    const golden = tokens.find((v) => v.name.startsWith("derived Go-shaped"))!.token;
    expect(signJwt(key, payload)).toBe(golden);
  });

  it("writes the golang-jwt header", () => {
    const token = signJwt(key, { iss: "devkey", exp: 1 });
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toStrictEqual({ alg: "HS256", typ: "JWT" });
  });
});

describe("decodeJwt", () => {
  it("decodes an expired token signed with an unknown key without checking either", () => {
    const token = hs256({ iss: "someone", sub: "zed", exp: 1, video: { roomList: true } }, "not-our-secret");
    expect(decodeJwt(token)).toStrictEqual({
      header: { alg: "HS256", typ: "JWT" },
      registered: { iss: "someone", sub: "zed", exp: 1 },
      grants: { video: { roomList: true } },
    });
  });

  it("keeps the identity claim as written, since nothing is verified", () => {
    const grants: ClaimGrants = decodeJwt(hs256({ iss: "k", sub: "a", identity: "b", exp: 1 }, "s")).grants;
    expect(grants.identity).toBe("b");
  });

  it("still refuses structural problems and other algorithms", () => {
    expect(failure(() => decodeJwt("a.b")).reason).toBe("token_malformed");
    expect(failure(() => decodeJwt(forgeJwt({ alg: "HS384" }, { iss: "k" }, "s", "sha384"))).reason).toBe("token_algorithm_not_allowed");
    expect(failure(() => decodeJwt(hs256({ video: { room: 1 } }, "s"))).reason).toBe("token_malformed");
  });
});
