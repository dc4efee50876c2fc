import { AccessToken } from "livekit-server-sdk";
import { describe, expect, it } from "vitest";
import { createHmacKey } from "../../../src/core/hmac-key.js";
import { signJwt } from "../../../src/core/jwt.js";
import { Code, RoomgateError } from "../../../src/client/errors.js";
import { fakeClient, harness, NOW_MS, type SeenCall } from "../cli-harness.js";

const KEY = "APIinspect";
const SECRET = "inspect-secret-0123456789-0123456789-xyz";
const NOW = NOW_MS / 1000;

function token(payload: Record<string, unknown>, secret = SECRET): string {
  return signJwt(createHmacKey(KEY, secret), payload as never);
}

const GOOD = token({ iss: KEY, sub: "alice", exp: NOW + 600, nbf: NOW, iat: NOW, video: { roomJoin: true, room: "r", canPublish: false } });

describe("token verify", () => {
  it("prints the verified claims as JSON", async () => {
    const h = harness();
    expect(await h.run("token", "verify", "--api-key", KEY, "--api-secret", SECRET, GOOD)).toBe(0);
    expect(JSON.parse(h.out())).toEqual({
      apiKey: KEY,
      identity: "alice",
      issuedAt: "2027-01-15T08:00:00Z",
      notBefore: "2027-01-15T08:00:00Z",
      expiresAt: "2027-01-15T08:10:00Z",
      grants: { identity: "alice", video: { roomJoin: true, room: "r", canPublish: false } },
    });
  });

  it("verifies a livekit-server-sdk token with the key from the environment", async () => {
    const at = new AccessToken(KEY, SECRET, { identity: "sdk-user", ttl: "1h" });
    at.addGrant({ roomJoin: true, room: "sdk-room" });
    const jwt = await at.toJwt();
    const h = harness({ env: { LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET } });
    h.clock.set(Date.now());
    expect(await h.run("token", "verify", jwt)).toBe(0);
    expect(JSON.parse(h.out())).toMatchObject({ identity: "sdk-user", grants: { video: { roomJoin: true, room: "sdk-room" } } });
  });

  it.each([
    ["expired", () => token({ iss: KEY, exp: NOW - 61, nbf: NOW - 600 }), "token_expired"],
    ["not yet valid", () => token({ iss: KEY, exp: NOW + 6000, nbf: NOW + 61 }), "token_not_yet_valid"],
    ["without exp", () => token({ iss: KEY, nbf: NOW }), "token_missing_expiry"],
    ["signed with another secret", () => token({ iss: KEY, exp: NOW + 60 }, "x".repeat(40)), "token_signature_invalid"],
    ["from another key", () => signJwt(createHmacKey("APIother", SECRET), { iss: "APIother", exp: NOW + 60 }), "token_unknown_key"],
    ["malformed", () => "not.a.jwt", "token_malformed"],
  ])("exits 1 with the reason when %s", async (_name, make, reason) => {
    const h = harness();
    expect(await h.run("token", "verify", "--api-key", KEY, "--api-secret", SECRET, make())).toBe(1);
    expect(h.out()).toBe("");
    expect(h.err()).toMatch(new RegExp(`^roomgate: ${reason}: [^\n]+\n$`));
    expect(h.err()).not.toContain(SECRET);
  });

  it("tolerates LiveKit's 60 s leeway", async () => {
    const h = harness();
    expect(await h.run("token", "verify", "--api-key", KEY, "--api-secret", SECRET, token({ iss: KEY, exp: NOW - 59 }))).toBe(0);
  });

  it("needs credentials and a TOKEN (usage errors, exit 2)", async () => {
    const h = harness();
    expect(await h.run("token", "verify", GOOD)).toBe(2);
    expect(h.err()).toContain("roomgate: usage: missing API key:");
    expect(await h.run("token", "verify", "--api-key", KEY, "--api-secret", SECRET)).toBe(2);
    expect(h.err()).toContain("missing TOKEN");
    expect(await h.run("token", "verify", "--api-key", KEY, "--api-secret", SECRET, GOOD, GOOD)).toBe(2);
  });

  it("--server asks VerifyToken and reports its reason", async () => {
    const seen: SeenCall[] = [];
    const server = (fail: boolean) => fakeClient(seen, () => {
      if (fail) throw new RoomgateError(Code.UNAUTHENTICATED, "token_revoked", "token has been revoked");
      return { apiKey: KEY, claims: { identity: "alice" }, expiresAt: { seconds: BigInt(NOW + 1) } };
    });
    const ok = harness({ connect: async () => server(false) });
    expect(await ok.run("token", "verify", "--server", "127.0.0.1:7890", GOOD)).toBe(0);
    expect(JSON.parse(ok.out())).toEqual({ apiKey: KEY, identity: "alice", expiresAt: new Date((NOW + 1) * 1000).toISOString().replace(".000Z", "Z"), grants: { identity: "alice" } });
    const bad = harness({ connect: async () => server(true) });
    expect(await bad.run("token", "verify", "--server", "127.0.0.1:7890", GOOD)).toBe(1);
    expect(bad.err()).toBe("roomgate: token_revoked: token has been revoked\n");
    expect(seen.filter((c) => c.method === "VerifyToken").map((c) => (c.req as { token?: string }).token)).toEqual([GOOD, GOOD]);
    expect(await bad.run("token", "verify", "--server", "127.0.0.1:7890", "--api-secret", "s", GOOD)).toBe(2);
  });
});

describe("token decode", () => {
  it("prints header and payload without verifying", async () => {
    const h = harness();
    const expired = token({ iss: KEY, exp: 1, custom: "kept" }, "whatever");
    expect(await h.run("token", "decode", expired)).toBe(0);
    expect(JSON.parse(h.out())).toEqual({ header: { alg: "HS256", typ: "JWT" }, payload: { iss: KEY, exp: 1, custom: "kept" } });
  });

  it("decodes tokens of other algorithms too", async () => {
    const seg = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const h = harness();
    expect(await h.run("token", "decode", `${seg({ alg: "RS256" })}.${seg({ sub: "x" })}.sig`)).toBe(0);
    expect(JSON.parse(h.out()).header.alg).toBe("RS256");
  });

  it.each([
    ["abc", "expected three dot-separated parts"],
    ["a.b", "expected three dot-separated parts"],
    ["!!!.e30.x", "the header is not base64url-encoded JSON"],
    [`${Buffer.from("[1]").toString("base64url")}.e30.x`, "the header is not a JSON object"],
    ["e30.bm90IGpzb24.x", "the payload is not base64url-encoded JSON"],
  ])("refuses malformed %s", async (t, message) => {
    const h = harness();
    expect(await h.run("token", "decode", t)).toBe(1);
    expect(h.err()).toContain(`token is malformed: ${message}`);
  });

  it("needs a TOKEN", async () => {
    const h = harness();
    expect(await h.run("token", "decode")).toBe(2);
    expect(h.err()).toContain("missing TOKEN");
  });
});
