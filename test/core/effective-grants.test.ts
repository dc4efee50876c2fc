import { describe, expect, it } from "vitest";
import { effectiveGrantNames, GRANT_NAMES, isGrantName } from "../../src/core/effective-grants.js";

describe("effectiveGrantNames", () => {
  it("applies LiveKit's defaults under roomJoin: unset canPublish, canSubscribe, canPublishData count as true", () => {
    expect(effectiveGrantNames({ video: { roomJoin: true, room: "r" } })).toEqual(["roomJoin", "canPublish", "canSubscribe", "canPublishData"]);
  });

  it("an explicit false removes the default, and unset canPublishData follows canPublish", () => {
    expect(effectiveGrantNames({ video: { roomJoin: true, room: "r", canPublish: false } })).toEqual(["roomJoin", "canSubscribe"]);
    expect(effectiveGrantNames({ video: { roomJoin: true, room: "r", canPublish: false, canPublishData: true } })).toEqual(["roomJoin", "canSubscribe", "canPublishData"]);
    expect(effectiveGrantNames({ video: { roomJoin: true, room: "r", canSubscribe: false, canPublishData: false } })).toEqual(["roomJoin", "canPublish"]);
  });

  it("without roomJoin the three publish/subscribe permissions count for nothing, set or not", () => {
    expect(effectiveGrantNames({ video: { roomAdmin: true, room: "r" } })).toEqual(["roomAdmin"]);
    expect(effectiveGrantNames({ video: { room: "r", canPublish: true, canSubscribe: true, canPublishData: true } })).toEqual([]);
  });

  it("counts a room preset as roomConfig: a named configuration configures the room as an inline one does", () => {
    expect(effectiveGrantNames({ roomPreset: "webinar" })).toEqual(["roomConfig"]);
    expect(effectiveGrantNames({ roomPreset: "webinar", roomConfig: { name: "x" } })).toEqual(["roomConfig"]);
    expect(effectiveGrantNames({ roomPreset: "" })).toEqual([]);
  });

  it("names the other grants' booleans as sip.call, agent.admin, … and roomConfig when present", () => {
    expect(effectiveGrantNames({
      sip: { call: true, admin: false }, agent: { admin: true, simulationAdmin: true, databaseAdmin: true },
      inference: { perform: true }, observability: { write: true }, roomConfig: { name: "x" },
    })).toEqual(["sip.call", "agent.admin", "agent.simulationAdmin", "agent.databaseAdmin", "inference.perform", "observability.write", "roomConfig"]);
    expect(effectiveGrantNames({ sip: { admin: true } })).toEqual(["sip.admin"]);
  });

  it("lists every true video boolean by its JSON name", () => {
    const video = {
      roomCreate: true, roomList: true, roomRecord: true, roomAdmin: true, canUpdateOwnMetadata: true, ingressAdmin: true,
      hidden: true, recorder: true, agent: true, canSubscribeMetrics: true, canManageAgentSession: true,
    };
    expect(effectiveGrantNames({ video })).toEqual(Object.keys(video));
  });

  it("knows exactly the grant names a policy may list", () => {
    expect(isGrantName("sip.call")).toBe(true);
    expect(isGrantName("canPublishSources")).toBe(false);
    expect(isGrantName("SIP.CALL")).toBe(false);
    expect(GRANT_NAMES).toHaveLength(23);
  });
});
