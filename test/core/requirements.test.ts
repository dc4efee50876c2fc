import { describe, expect, it } from "vitest";
import type { ClaimGrants, VideoGrant } from "../../src/core/grants.js";
import { failure } from "./support.js";
import { checkRequirements, REQUIREMENTS, validateMintGrants, type Requirement } from "../../src/core/requirements.js";

const GRANTING: Record<Requirement, ClaimGrants> = {
  roomJoin: { video: { roomJoin: true, room: "r" } },
  roomAdmin: { video: { roomAdmin: true, room: "r" } },
  roomCreate: { video: { roomCreate: true } },
  roomList: { video: { roomList: true } },
  roomRecord: { video: { roomRecord: true } },
  ingressAdmin: { video: { ingressAdmin: true } },
  sipAdmin: { sip: { admin: true } },
  sipCall: { sip: { call: true } },
  canPublish: { video: { roomJoin: true, room: "r" } },
  canSubscribe: { video: { roomJoin: true, room: "r" } },
  canPublishData: { video: { roomJoin: true, room: "r" } },
};

describe("checkRequirements", () => {
  it("covers the proto's Grant enum, one requirement each", () => {
    expect([...REQUIREMENTS].sort()).toEqual(Object.keys(GRANTING).sort());
  });

  it.each(REQUIREMENTS.map((r) => [r] as const))("%s is granted by its grant and refused without it", (req) => {
    const g = GRANTING[req];
    expect(() => checkRequirements(g, g.video, [req], "")).not.toThrow();
    const err = failure(() => checkRequirements({}, undefined, [req], ""));
    expect([err.reason, err.code, err.grant]).toEqual(["grant_missing", "PERMISSION_DENIED", req]);
  });

  it("room-level grants do not stand in for each other", () => {
    const admin: ClaimGrants = { video: { roomAdmin: true, roomCreate: true, roomList: true, room: "r" } };
    expect(failure(() => checkRequirements(admin, admin.video, ["roomJoin"], "r")).grant).toBe("roomJoin");
    expect(failure(() => checkRequirements(admin, admin.video, ["roomRecord"], "")).grant).toBe("roomRecord");
    const sipCall: ClaimGrants = { sip: { call: true } };
    expect(failure(() => checkRequirements(sipCall, undefined, ["sipAdmin"], "")).grant).toBe("sipAdmin");
  });

  it("matches the room exactly for room-scoped grants", () => {
    const g: ClaimGrants = { video: { roomAdmin: true, room: "Room-1" } };
    expect(() => checkRequirements(g, g.video, ["roomAdmin"], "Room-1")).not.toThrow();
    for (const other of ["room-1", "Room-1 ", "Room", "Room-10"]) {
      const err = failure(() => checkRequirements(g, g.video, ["roomAdmin"], other));
      expect([err.reason, err.grant]).toEqual(["grant_missing", "roomAdmin"]);
    }
  });

  it("ignores the room for grants that are not room-scoped", () => {
    const g: ClaimGrants = { video: { roomCreate: true, roomList: true, room: "a" }, sip: { admin: true } };
    expect(() => checkRequirements(g, g.video, ["roomCreate", "roomList", "sipAdmin"], "b")).not.toThrow();
  });

  it("checks the room of a room-scoped grant when the request names one, even with the grant present", () => {
    const g: ClaimGrants = { video: { roomJoin: true } };
    expect(() => checkRequirements(g, g.video, ["roomJoin"], "")).not.toThrow();
    expect(failure(() => checkRequirements(g, g.video, ["roomJoin"], "r")).grant).toBe("roomJoin");
  });

  it("requires roomJoin for media grants", () => {
    const adminOnly: VideoGrant = { roomAdmin: true, room: "r", canPublish: true, canSubscribe: true, canPublishData: true };
    for (const req of ["canPublish", "canSubscribe", "canPublishData"] as const) {
      expect(failure(() => checkRequirements({ video: adminOnly }, adminOnly, [req], "r")).grant).toBe(req);
    }
  });

  it("applies the tri-state defaults to media grants", () => {
    const noPublish: VideoGrant = { roomJoin: true, room: "r", canPublish: false };
    expect(failure(() => checkRequirements({}, noPublish, ["canPublish"], "r")).grant).toBe("canPublish");
    expect(failure(() => checkRequirements({}, noPublish, ["canPublishData"], "r")).grant).toBe("canPublishData");
    expect(() => checkRequirements({}, noPublish, ["canSubscribe"], "r")).not.toThrow();
    const dataOnly: VideoGrant = { ...noPublish, canPublishData: true };
    expect(() => checkRequirements({}, dataOnly, ["canPublishData"], "r")).not.toThrow();
  });

  it("judges the effective video grant, not the one in the claims", () => {
    const claims: ClaimGrants = { video: { roomJoin: true, room: "r" } };
    const narrowed: VideoGrant = { roomJoin: true, room: "r", canPublish: false, canSubscribe: true, canPublishData: false };
    expect(failure(() => checkRequirements(claims, narrowed, ["canPublish"], "r")).grant).toBe("canPublish");
  });

  it("needs every requirement and names the first one missing", () => {
    const g: ClaimGrants = { video: { roomJoin: true, room: "r" } };
    expect(() => checkRequirements(g, g.video, [], "r")).not.toThrow();
    const err = failure(() => checkRequirements(g, g.video, ["roomJoin", "roomAdmin", "roomList"], "r"));
    expect(err.grant).toBe("roomAdmin");
    expect(err.message).toBe('permission denied: roomAdmin required for room "r"');
  });
});

describe("validateMintGrants", () => {
  it("needs an identity with roomJoin", () => {
    const err = failure(() => validateMintGrants({ video: { roomJoin: true, room: "r" } }));
    expect([err.reason, err.code, err.field]).toEqual(["invalid_argument", "INVALID_ARGUMENT", "claims.identity"]);
  });

  it.each([["roomJoin"], ["roomAdmin"]] as const)("needs a room with %s", (grant) => {
    const err = failure(() => validateMintGrants({ identity: "a", video: { [grant]: true } }));
    expect([err.reason, err.field]).toEqual(["invalid_argument", "claims.video.room"]);
    const empty = failure(() => validateMintGrants({ identity: "a", video: { [grant]: true, room: "" } }));
    expect(empty.field).toBe("claims.video.room");
  });

  it("accepts grants that need neither", () => {
    expect(() => validateMintGrants({})).not.toThrow();
    expect(() => validateMintGrants({ video: { roomCreate: true, roomList: true } })).not.toThrow();
    expect(() => validateMintGrants({ video: { roomAdmin: true, room: "r" } })).not.toThrow();
    expect(() => validateMintGrants({ identity: "a", video: { roomJoin: true, room: "r" } })).not.toThrow();
    expect(() => validateMintGrants({ sip: { call: true } })).not.toThrow();
  });
});
