import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { PARTICIPANT_KINDS, toPermission, TRACK_SOURCES, type ClaimGrants } from "../../src/core/grants.js";
import {
  claimsFromProto, claimsToProto, kindEnum, kindName, permissionFromProto, permissionToProto, sourceEnum, sourceName,
} from "../../src/services/claims-convert.js";
import {
  ClaimsSchema, ParticipantKind, ParticipantKindSchema, ParticipantPermissionSchema, TrackSource, TrackSourceSchema,
} from "../../gen/roomgate/v1/grants_pb.js";
import { Grant, GrantSchema } from "../../gen/roomgate/v1/token_service_pb.js";
import { REQUIREMENTS } from "../../src/core/requirements.js";

describe("enum mappings stay in step with the proto", () => {
  it("every TrackSource value maps to the lowercase token name and back", () => {
    const values = TrackSourceSchema.values.filter((v) => v.number !== 0);
    expect(values).toHaveLength(TRACK_SOURCES.length + 1);
    for (const v of values) {
      const name = sourceName(v.number, "f");
      expect(`TRACK_SOURCE_${name.toUpperCase()}`).toBe(v.name);
      expect(sourceEnum(name)).toBe(v.number);
    }
    expect(() => sourceName(TrackSource.UNSPECIFIED, "claims.video.can_publish_sources")).toThrow(
      expect.objectContaining({ reason: "invalid_argument", field: "claims.video.can_publish_sources" }),
    );
  });

  it("reads source names case-insensitively, as LiveKit's GetCanPublishSources does, and anything else as UNKNOWN", () => {
    expect(sourceEnum("CAMERA")).toBe(TrackSource.CAMERA);
    expect(sourceEnum("Screen_Share")).toBe(TrackSource.SCREEN_SHARE);
    expect(sourceEnum("hologram")).toBe(TrackSource.UNKNOWN);
    expect(sourceEnum("")).toBe(TrackSource.UNKNOWN);
    expect(TrackSource.UNKNOWN).not.toBe(TrackSource.UNSPECIFIED);
  });

  it("every ParticipantKind value maps to the lowercase token name and back", () => {
    const values = ParticipantKindSchema.values.filter((v) => v.number !== 0);
    expect(values).toHaveLength(PARTICIPANT_KINDS.length);
    for (const v of values) {
      const name = kindName(v.number)!;
      expect(`PARTICIPANT_KIND_${name.toUpperCase()}`).toBe(v.name);
      expect(kindEnum(name)).toBe(v.number);
    }
    expect(kindName(ParticipantKind.UNSPECIFIED)).toBeUndefined();
    expect(kindEnum("robot")).toBe(ParticipantKind.UNSPECIFIED);
  });

  it("reads kinds case-insensitively", () => {
    expect(kindEnum("SIP")).toBe(ParticipantKind.SIP);
    expect(kindEnum("Agent")).toBe(ParticipantKind.AGENT);
    expect(claimsToProto({ kind: "EGRESS" }).kind).toBe(ParticipantKind.EGRESS);
  });

  it("every Grant value has a requirement in the same order", () => {
    const values = GrantSchema.values.filter((v) => v.number !== Grant.UNSPECIFIED);
    expect(values.map((v) => v.name)).toEqual(
      REQUIREMENTS.map((r) => `GRANT_${r.replace(/([A-Z])/g, "_$1").toUpperCase()}`),
    );
  });
});

describe("claims between proto and domain", () => {
  it("round-trips every field, keeping tri-state presence", () => {
    const grants: ClaimGrants = {
      identity: "alice", name: "Alice", kind: "agent", kindDetails: ["cloud_agent"],
      video: {
        roomCreate: true, roomList: true, roomRecord: true, roomAdmin: true, roomJoin: true, room: "r",
        canPublish: false, canSubscribe: true, canPublishData: false, canPublishSources: ["camera", "screen_share"],
        canUpdateOwnMetadata: false, ingressAdmin: true, hidden: true, recorder: true, agent: true,
        canSubscribeMetrics: true, canManageAgentSession: false, destinationRoom: "d",
      },
      sip: { admin: true, call: true },
      agent: { admin: true, simulationAdmin: true, databaseAdmin: true },
      inference: { perform: true },
      observability: { write: true },
      metadata: "m", attributes: { a: "1" }, sha256: "abc=", roomPreset: "p",
      roomConfig: { name: "r", agents: [{ agentName: "x" }] },
    };
    expect(claimsFromProto(claimsToProto(grants))).toEqual(grants);
  });

  it("leaves unset and empty fields absent", () => {
    expect(claimsFromProto(create(ClaimsSchema, { video: { roomJoin: true, room: "r" }, sip: {} }))).toEqual({ video: { roomJoin: true, room: "r" } });
    expect(claimsFromProto(undefined)).toEqual({});
  });

  it("refuses an unspecified source in a request", () => {
    expect(() => claimsFromProto(create(ClaimsSchema, { video: { canPublishSources: [TrackSource.UNSPECIFIED] } }))).toThrow(
      expect.objectContaining({ reason: "invalid_argument", field: "claims.video.can_publish_sources" }),
    );
  });

  it("keeps a token's unknown source as UNKNOWN, in place, so a restricted list never reads as 'all sources'", () => {
    expect(claimsToProto({ video: { canPublishSources: ["camera", "hologram"] } }).video?.canPublishSources).toEqual([TrackSource.CAMERA, TrackSource.UNKNOWN]);
    expect(permissionToProto(toPermission({ canPublishSources: ["hologram", "microphone"] })).canPublishSources).toEqual([TrackSource.UNKNOWN, TrackSource.MICROPHONE]);
  });

  it("accepts TRACK_SOURCE_UNKNOWN in a request and writes it as LiveKit does: unknown", () => {
    expect(claimsFromProto(create(ClaimsSchema, { video: { canPublishSources: [TrackSource.CAMERA, TrackSource.UNKNOWN] } })).video)
      .toEqual({ canPublishSources: ["camera", "unknown"] });
    expect(permissionFromProto(create(ParticipantPermissionSchema, { canPublishSources: [TrackSource.UNKNOWN] })).canPublishSources).toEqual(["unknown"]);
  });

  it("maps permissions both ways", () => {
    const p = create(ParticipantPermissionSchema, { canSubscribe: true, canPublishSources: [TrackSource.MICROPHONE], canUpdateMetadata: true });
    const d = permissionFromProto(p);
    expect(d).toEqual({
      canSubscribe: true, canPublish: false, canPublishData: false, canPublishSources: ["microphone"], hidden: false,
      recorder: false, canUpdateMetadata: true, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
    });
    expect(permissionToProto(d)).toEqual(p);
  });
});
