import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { rfc3339, tokenCaller, tokenSha256, updateChanges } from "../../src/audit/audit-fields.js";

const cur = { video: { roomJoin: true, room: "r" }, name: "Alice", metadata: "{}", attributes: { a: "1" } };
const ALL_FALSE = {
  canSubscribe: true, canPublish: true, canPublishData: true, canPublishSources: [], hidden: false, recorder: false,
  canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
};

describe("audit fields", () => {
  it("token_sha256 is the hex SHA-256 of the token text", () => {
    expect(tokenSha256("a.b.c")).toBe(createHash("sha256").update("a.b.c").digest("hex"));
    expect(tokenSha256("a.b.c")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a token caller is its identity and key", () => {
    expect(tokenCaller({ apiKey: "APIk", identity: "admin", grants: {}, expiresAt: 1 })).toEqual({ identity: "admin", api_key: "APIk" });
  });

  it("times are RFC 3339", () => {
    expect(rfc3339(1_767_225_600)).toBe("2026-01-01T00:00:00.000Z");
  });

  it("lists changed permission fields with before and after, and nothing that stayed", () => {
    expect(updateChanges(cur, { permission: { ...ALL_FALSE, canPublish: false, canPublishSources: ["camera"] } })).toEqual({
      permission: { canPublish: { before: true, after: false }, canPublishSources: { before: [], after: ["camera"] } },
    });
    expect(updateChanges(cur, { permission: ALL_FALSE })).toEqual({});
  });

  it("shows name and metadata only as byte sizes, attributes only as keys with byte sizes or deleted", () => {
    expect(updateChanges(cur, { name: "Ålice B", metadata: '{"secret-ish":"value"}', attributes: { a: "", b: "22", c: "ü" } })).toEqual({
      name: { before_bytes: 5, after_bytes: 8 },
      metadata: { before_bytes: 2, after_bytes: 22 },
      attributes: { set: { b: 2, c: 2 }, deleted: ["a"] },
    });
  });

  it("empty name and metadata leave them unchanged, as LiveKit does, so they are not listed", () => {
    expect(updateChanges(cur, { name: "", metadata: "", attributes: {} })).toEqual({});
  });
});
