import { describe, expect, it } from "vitest";
import { RoomgateError } from "../../src/core/errors.js";
import { checkMintPolicy, globMatcher, policyApiKey, policyLimits, policyLimitsFrom, type MintPolicy } from "../../src/core/mint-policy.js";
import type { ClaimGrants } from "../../src/core/grants.js";

function refusal(run: () => unknown): { reason: string; field?: string; message: string } {
  try {
    run();
  } catch (err) {
    if (!(err instanceof RoomgateError)) throw err;
    return { reason: err.reason, ...(err.field !== undefined && { field: err.field }), message: err.message };
  }
  throw new Error("expected a refusal");
}

const SIP_GATEWAY: MintPolicy = { grants: ["sip.call"], maxTtlSeconds: 600 };
const WEB: MintPolicy = {
  rooms: ["app-*"], identities: ["user-*"], grants: ["roomJoin", "canPublish", "canSubscribe", "canPublishData"], apiKeys: ["APIweb"], maxTtlSeconds: 7200,
};
const join = (room: string, identity: string, video: ClaimGrants["video"] = {}): ClaimGrants => ({ identity, video: { roomJoin: true, room, ...video } });

describe("globMatcher", () => {
  it.each([
    ["app-*", "app-1", true], ["app-*", "app-", true], ["app-*", "xapp-1", false], ["*", "", true], ["*", "anything", true],
    ["a*b*c", "abc", true], ["a*b*c", "a-b-c", true], ["a*b*c", "acb", false], ["exact", "exact", true], ["exact", "exact2", false],
    ["*-end", "x-end", true], ["ab*ba", "aba", false], ["a.b", "axb", false],
  ])("%s against %j is %s", (pattern, value, expected) => {
    expect(globMatcher(pattern)(value)).toBe(expected);
  });
});

describe("checkMintPolicy: grants", () => {
  it("no policy, or a policy without grants, allows any grant", () => {
    expect(() => checkMintPolicy(undefined, { video: { roomAdmin: true, room: "r" } })).not.toThrow();
    expect(() => checkMintPolicy({ maxTtlSeconds: 60 }, { video: { roomAdmin: true, room: "r" } })).not.toThrow();
  });

  it("the SIP gateway may mint sip.call and nothing else", () => {
    expect(() => checkMintPolicy(SIP_GATEWAY, { sip: { call: true } })).not.toThrow();
    expect(refusal(() => checkMintPolicy(SIP_GATEWAY, { sip: { call: true, admin: true } }))).toEqual({
      reason: "policy_denied", field: "grants", message: "outside the client's minting policy: grants may not include sip.admin",
    });
    expect(refusal(() => checkMintPolicy(SIP_GATEWAY, { video: { roomAdmin: true, room: "r" } })).field).toBe("grants");
  });

  it("an unset canPublish under roomJoin counts as granted, so a policy without canPublish refuses it", () => {
    const policy: MintPolicy = { grants: ["roomJoin", "canSubscribe"] };
    expect(refusal(() => checkMintPolicy(policy, join("r", "u"))).message).toBe("outside the client's minting policy: grants may not include canPublish");
    // Explicit false for canPublish, and canPublishData follows it.
    expect(() => checkMintPolicy(policy, join("r", "u", { canPublish: false }))).not.toThrow();
    expect(refusal(() => checkMintPolicy(policy, join("r", "u", { canPublish: false, canPublishData: true }))).message).toContain("canPublishData");
  });

  it("an unset canSubscribe under roomJoin counts as granted", () => {
    const policy: MintPolicy = { grants: ["roomJoin", "canPublish", "canPublishData"] };
    expect(refusal(() => checkMintPolicy(policy, join("r", "u"))).message).toContain("may not include canSubscribe");
    expect(() => checkMintPolicy(policy, join("r", "u", { canSubscribe: false }))).not.toThrow();
  });

  it("without roomJoin the publish defaults count for nothing", () => {
    expect(() => checkMintPolicy({ grants: ["roomList"] }, { video: { roomList: true } })).not.toThrow();
  });

  it("roomConfig is a grant of its own", () => {
    const g: ClaimGrants = { ...join("app-1", "user-1"), roomConfig: { name: "x" } };
    expect(refusal(() => checkMintPolicy(WEB, g)).message).toContain("may not include roomConfig");
  });

  it("a room preset needs roomConfig too, so a client without it cannot configure the room by name", () => {
    const g: ClaimGrants = { ...join("app-1", "user-1"), roomPreset: "record-everything" };
    expect(refusal(() => checkMintPolicy(WEB, g)).message).toContain("may not include roomConfig");
    expect(() => checkMintPolicy({ grants: ["roomJoin", "canPublish", "canSubscribe", "canPublishData", "roomConfig"] }, g)).not.toThrow();
  });
});

describe("checkMintPolicy: rooms and identities", () => {
  it("the web backend may name app-* rooms and user-* identities", () => {
    expect(() => checkMintPolicy(WEB, join("app-lobby", "user-7"))).not.toThrow();
  });

  it("a room outside the patterns is refused, naming the field but not the room", () => {
    const r = refusal(() => checkMintPolicy(WEB, join("admin-room", "user-7")));
    expect(r).toEqual({ reason: "policy_denied", field: "room", message: "outside the client's minting policy: room is outside the rooms this client may name" });
  });

  it("a video grant without a room is refused under rooms; a token without a video grant is not concerned", () => {
    expect(refusal(() => checkMintPolicy({ rooms: ["app-*"] }, { video: { roomList: true } })).field).toBe("room");
    expect(() => checkMintPolicy({ rooms: ["app-*"] }, { sip: { call: true } })).not.toThrow();
  });

  it("the destination room must match too", () => {
    expect(refusal(() => checkMintPolicy({ rooms: ["app-*"] }, join("app-1", "u", { destinationRoom: "other" }))).field).toBe("destination_room");
    expect(() => checkMintPolicy({ rooms: ["app-*"] }, join("app-1", "u", { destinationRoom: "app-2" }))).not.toThrow();
  });

  it("* matches any room and identity, the empty one too", () => {
    const any: MintPolicy = { rooms: ["*"], identities: ["*"] };
    expect(() => checkMintPolicy(any, join("whatever", "who"))).not.toThrow();
    expect(() => checkMintPolicy(any, { video: { roomList: true } })).not.toThrow();
  });

  it("an identity outside the patterns is refused, and so is a token without identity", () => {
    expect(refusal(() => checkMintPolicy(WEB, join("app-1", "bot-1"))).field).toBe("identity");
    expect(refusal(() => checkMintPolicy({ identities: ["user-*"] }, { video: { roomJoin: true, room: "app-1" } })).field).toBe("identity");
  });

  it("the first offending field is named: grants before room before identity", () => {
    expect(refusal(() => checkMintPolicy(WEB, join("x", "y", { roomAdmin: true }))).field).toBe("grants");
    expect(refusal(() => checkMintPolicy(WEB, join("x", "y"))).field).toBe("room");
  });
});

describe("policyApiKey", () => {
  it("without api_keys the request's choice stands (\"\" is the server default)", () => {
    expect(policyApiKey(undefined, "", "APIdefault")).toBe("");
    expect(policyApiKey({}, "APIany", "APIdefault")).toBe("APIany");
  });

  it("a requested key must be listed", () => {
    expect(policyApiKey({ apiKeys: ["APIweb"] }, "APIweb", "APIdefault")).toBe("APIweb");
    expect(refusal(() => policyApiKey({ apiKeys: ["APIweb"] }, "APIdefault", "APIdefault"))).toEqual({
      reason: "policy_denied", field: "api_key", message: "outside the client's minting policy: api_key is not a key this client may sign with",
    });
  });

  it("with none requested, the server's default key when listed, else the first listed key", () => {
    expect(policyApiKey({ apiKeys: ["APIweb", "APIdefault"] }, "", "APIdefault")).toBe("");
    expect(policyApiKey({ apiKeys: ["APIweb", "APIother"] }, "", "APIdefault")).toBe("APIweb");
  });
});

describe("policyLimits", () => {
  const server = { defaultTtlSeconds: 6 * 3600, maxTtlSeconds: 24 * 3600 };
  it("max_ttl cuts both the default and the maximum", () => {
    expect(policyLimits(SIP_GATEWAY, server)).toEqual({ defaultTtlSeconds: 600, maxTtlSeconds: 600 });
  });
  it("a max_ttl above the server's keeps the server's limits", () => {
    expect(policyLimits({ maxTtlSeconds: 48 * 3600 }, server)).toEqual(server);
    expect(policyLimits(undefined, server)).toBe(server);
  });
});

describe("policyLimitsFrom", () => {
  const server = { defaultTtlSeconds: 6 * 3600, maxTtlSeconds: 24 * 3600 };
  const NOW = 1_000_000;
  it("a later not_before spends the max_ttl: the token expires no later than now plus max_ttl", () => {
    expect(policyLimitsFrom(SIP_GATEWAY, server, NOW, NOW + 100)).toEqual({ defaultTtlSeconds: 500, maxTtlSeconds: 500 });
  });
  it("a not_before at or past now plus max_ttl is refused, naming not_before", () => {
    expect(refusal(() => policyLimitsFrom(SIP_GATEWAY, server, NOW, NOW + 600))).toMatchObject({ reason: "policy_denied", field: "not_before" });
    expect(refusal(() => policyLimitsFrom(SIP_GATEWAY, server, NOW, NOW + 365 * 86400))).toMatchObject({ reason: "policy_denied", field: "not_before" });
  });
  it("no not_before, an earlier one, or no max_ttl keep policyLimits", () => {
    expect(policyLimitsFrom(SIP_GATEWAY, server, NOW, undefined)).toEqual({ defaultTtlSeconds: 600, maxTtlSeconds: 600 });
    expect(policyLimitsFrom(SIP_GATEWAY, server, NOW, NOW - 50)).toEqual({ defaultTtlSeconds: 600, maxTtlSeconds: 600 });
    expect(policyLimitsFrom({ grants: ["sip.call"] }, server, NOW, NOW + 365 * 86400)).toBe(server);
  });
});
