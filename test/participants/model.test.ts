import { describe, expect, it } from "vitest";
import { applyPermission, toPermission, type ParticipantPermission } from "../../src/core/grants.js";
import { liveEntryOf, mergeJoin, sessionOutranksToken } from "../../src/participants/model.js";
import { ISSUED, record } from "./fixtures.js";

const subscribeOnly: ParticipantPermission = {
  canSubscribe: true, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false,
  recorder: false, canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
};
const AT = ISSUED + 100;
const wideVideo = { roomJoin: true, room: "r1", canPublish: true, roomAdmin: true };
const updated = record("a", { version: 3, state: "removed", video: applyPermission({ roomJoin: true, room: "r1" }, subscribeOnly), adminPermission: { permission: subscribeOnly, atSec: AT } });

describe("mergeJoin: latest decision wins (contract §9)", () => {
  it("evaluates a join token issued before the admin update with the update's permission, keeping the token's other fields", () => {
    const next = mergeJoin(updated, record("a", { video: wideVideo }), AT - 1);
    expect(toPermission(next.video)).toEqual(subscribeOnly);
    expect(next.video.roomAdmin).toBe(true);
    expect(next.adminPermission).toEqual({ permission: subscribeOnly, atSec: AT });
  });

  it("counts a token issued in the update's second as covered by it", () => {
    expect(toPermission(mergeJoin(updated, record("a", { video: wideVideo }), AT).video)).toEqual(subscribeOnly);
    expect(toPermission(mergeJoin(updated, record("a", { video: wideVideo }), AT + 0.9).video)).toEqual(subscribeOnly);
  });

  it("counts a token with neither iat nor nbf as covered: it cannot prove it came later", () => {
    expect(toPermission(mergeJoin(updated, record("a", { video: wideVideo }), undefined).video)).toEqual(subscribeOnly);
  });

  it("starts the session from a token issued after the update, keeping the update for older tokens", () => {
    const next = mergeJoin(updated, record("a", { video: wideVideo }), AT + 1);
    expect(next.video).toEqual(wideVideo);
    expect(next.adminPermission).toEqual({ permission: subscribeOnly, atSec: AT });
    expect(next.version).toBe(4);
  });

  it("uses the token's own permission when no admin ever updated the participant", () => {
    const next = mergeJoin(record("a", { version: 1 }), record("a", { video: wideVideo }), ISSUED);
    expect(next.video).toEqual(wideVideo);
    expect(next.adminPermission).toBeUndefined();
  });
});

describe("liveEntryOf", () => {
  it("carries the admin permission with its second, and nothing for a participant nobody updated or revoked", () => {
    expect(liveEntryOf(updated, "r1", "a", undefined)).toEqual({ room: "r1", identity: "a", version: 3, permission: subscribeOnly, permissionAtSec: AT });
    expect(liveEntryOf(record("b", { version: 1 }), "r1", "b", undefined)).toBeUndefined();
    expect(liveEntryOf(record("b", { version: 1 }), "r1", "b", 7)).toEqual({ room: "r1", identity: "b", version: 1, revokedThrough: 7 });
  });
});

describe("sessionOutranksToken: a session begun from a newer decision than the one governing a token", () => {
  const session = (video: typeof wideVideo | ReturnType<typeof applyPermission>) =>
    record("a", { version: 4, video, adminPermission: { permission: subscribeOnly, atSec: AT } });

  it("is true for a covered token when the session runs on a newer join token's wider permission", () => {
    expect(sessionOutranksToken(session(wideVideo), AT)).toBe(true);
    expect(sessionOutranksToken(session(wideVideo), undefined)).toBe(true);
  });

  it("is false for a token issued after the update, which the session's own permission governs", () => {
    expect(sessionOutranksToken(session(wideVideo), AT + 1)).toBe(false);
  });

  it("is false when the session already runs on the update's permission", () => {
    expect(sessionOutranksToken(session(applyPermission({ roomJoin: true, room: "r1" }, subscribeOnly)), AT - 5)).toBe(false);
  });

  it("is false for a participant no admin ever updated", () => {
    expect(sessionOutranksToken(record("a", { video: wideVideo }), ISSUED)).toBe(false);
  });
});
