import { describe, expect, it } from "vitest";
import { toPermission } from "../../src/core/grants.js";
import { effectiveVideo, issuedAtOrBefore } from "../../src/core/live-state.js";

describe("issuedAtOrBefore", () => {
  it("compares whole seconds; no issue time counts as covered; no second covers nothing", () => {
    expect(issuedAtOrBefore(100, 100)).toBe(true);
    expect(issuedAtOrBefore(100.9, 100)).toBe(true);
    expect(issuedAtOrBefore(101, 100)).toBe(false);
    expect(issuedAtOrBefore(undefined, 100)).toBe(true);
    expect(issuedAtOrBefore(5, undefined)).toBe(false);
    expect(issuedAtOrBefore(undefined, undefined)).toBe(false);
  });
});

describe("effectiveVideo: latest decision wins", () => {
  const video = { roomJoin: true, room: "r1", canPublish: true };
  const permission = toPermission({ canPublish: false });
  const state = { permission, permissionAtSec: 100 };

  it("applies the update to a token issued at or before its second", () => {
    expect(effectiveVideo(video, 100, state)).toMatchObject({ roomJoin: true, room: "r1", canPublish: false, canPublishData: false });
    expect(effectiveVideo(video, 40, state)?.canPublish).toBe(false);
    expect(effectiveVideo(video, undefined, state)?.canPublish).toBe(false);
  });

  it("leaves a token issued after the update its own grant", () => {
    expect(effectiveVideo(video, 101, state)).toBe(video);
  });

  it("leaves the token's grant when nobody updated the participant", () => {
    expect(effectiveVideo(video, 1, undefined)).toBe(video);
    expect(effectiveVideo(video, 1, { revokedThrough: 0 })).toBe(video);
  });
});
