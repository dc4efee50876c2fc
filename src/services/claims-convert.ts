import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { invalidArgument } from "../core/errors.js";
import {
  PARTICIPANT_KINDS, readParticipantKind, readTrackSource, TRACK_SOURCES, UNKNOWN_SOURCE, type ClaimGrants,
  type ParticipantPermission as DomainPermission, type TrackSourceName, type VideoGrant as DomainVideo,
} from "../core/grants.js";
import {
  ParticipantKind, ParticipantPermissionSchema, TrackSource, type Claims, type ParticipantPermission, type VideoGrant,
} from "../../gen/roomgate/v1/grants_pb.js";

// Enum order in grants.proto follows TRACK_SOURCES / PARTICIPANT_KINDS, offset by UNSPECIFIED.
const SOURCE_OF = new Map<TrackSource, TrackSourceName>(TRACK_SOURCES.map((s, i) => [i + 1, s]));
const SOURCE_ENUM = new Map<string, TrackSource>(TRACK_SOURCES.map((s, i) => [s, i + 1]));
const KIND_ENUM = new Map<string, ParticipantKind>(PARTICIPANT_KINDS.map((k, i) => [k, i + 1]));

/**
 * Lowercase source name of a proto enum value; TRACK_SOURCE_UNKNOWN is LiveKit's `unknown` (an update
 * writes the participant's own unrecognised strings back in its place); UNSPECIFIED is a request error at `field`.
 */
export function sourceName(s: number, field: string): string {
  if (s === TrackSource.UNKNOWN) return UNKNOWN_SOURCE;
  const name = SOURCE_OF.get(s);
  if (!name) throw invalidArgument(field, "holds an unspecified or unknown track source");
  return name;
}

/**
 * Proto enum of a token's source string, read in any case as LiveKit's GetCanPublishSources does;
 * anything else is UNKNOWN, kept in place so a restricted list never reads as "all sources".
 */
export function sourceEnum(s: string): TrackSource {
  const name = readTrackSource(s);
  return name === undefined ? TrackSource.UNKNOWN : SOURCE_ENUM.get(name)!;
}

/** Lowercase kind name of a proto enum value, or undefined for UNSPECIFIED. */
export function kindName(k: ParticipantKind): string | undefined {
  return k === ParticipantKind.UNSPECIFIED ? undefined : PARTICIPANT_KINDS[k - 1];
}

/** Proto enum of a token's kind string, read in any case (`SIP` is SIP); unknown kinds read as UNSPECIFIED. */
export function kindEnum(k: string | undefined): ParticipantKind {
  const name = k === undefined ? undefined : readParticipantKind(k);
  return (name && KIND_ENUM.get(name)) || ParticipantKind.UNSPECIFIED;
}

function setIf<T extends object, K extends keyof T>(out: T, k: K, v: T[K] | undefined | false | ""): void {
  if (v !== undefined && v !== false && v !== "") out[k] = v as T[K];
}

function videoFromProto(v: VideoGrant): DomainVideo {
  const out: DomainVideo = {};
  setIf(out, "roomCreate", v.roomCreate);
  setIf(out, "roomList", v.roomList);
  setIf(out, "roomRecord", v.roomRecord);
  setIf(out, "roomAdmin", v.roomAdmin);
  setIf(out, "roomJoin", v.roomJoin);
  setIf(out, "room", v.room);
  if (v.canPublish !== undefined) out.canPublish = v.canPublish;
  if (v.canSubscribe !== undefined) out.canSubscribe = v.canSubscribe;
  if (v.canPublishData !== undefined) out.canPublishData = v.canPublishData;
  if (v.canPublishSources.length > 0) out.canPublishSources = v.canPublishSources.map((s) => sourceName(s, "claims.video.can_publish_sources"));
  if (v.canUpdateOwnMetadata !== undefined) out.canUpdateOwnMetadata = v.canUpdateOwnMetadata;
  setIf(out, "ingressAdmin", v.ingressAdmin);
  setIf(out, "hidden", v.hidden);
  setIf(out, "recorder", v.recorder);
  setIf(out, "agent", v.agent);
  if (v.canSubscribeMetrics !== undefined) out.canSubscribeMetrics = v.canSubscribeMetrics;
  if (v.canManageAgentSession !== undefined) out.canManageAgentSession = v.canManageAgentSession;
  setIf(out, "destinationRoom", v.destinationRoom);
  return out;
}

/** Domain grants from a request's Claims; unset and empty fields stay absent. */
export function claimsFromProto(c: Claims | undefined): ClaimGrants {
  const g: ClaimGrants = {};
  if (!c) return g;
  setIf(g, "identity", c.identity);
  setIf(g, "name", c.name);
  setIf(g, "kind", kindName(c.kind));
  if (c.kindDetails.length > 0) g.kindDetails = [...c.kindDetails];
  if (c.video) g.video = videoFromProto(c.video);
  if (c.sip && (c.sip.admin || c.sip.call)) g.sip = { ...(c.sip.admin && { admin: true }), ...(c.sip.call && { call: true }) };
  if (c.agent && (c.agent.admin || c.agent.simulationAdmin || c.agent.databaseAdmin)) {
    g.agent = { ...(c.agent.admin && { admin: true }), ...(c.agent.simulationAdmin && { simulationAdmin: true }), ...(c.agent.databaseAdmin && { databaseAdmin: true }) };
  }
  if (c.inference?.perform) g.inference = { perform: true };
  if (c.observability?.write) g.observability = { write: true };
  setIf(g, "metadata", c.metadata);
  if (Object.keys(c.attributes).length > 0) g.attributes = { ...c.attributes };
  setIf(g, "sha256", c.sha256);
  setIf(g, "roomPreset", c.roomPreset);
  if (c.roomConfig && Object.keys(c.roomConfig).length > 0) g.roomConfig = c.roomConfig;
  return g;
}

// The two converters below build typed literals instead of calling create(): the
// compiler still demands every field (so a grown proto breaks the build), and they skip
// create()'s reflection, which was the largest avoidable cost of a CreateToken or
// VerifyToken call. Explicit-presence fields stay absent unless set, as create() leaves them.

/** The proto form of a domain video grant; tri-state fields keep their presence. */
export function videoToProto(v: DomainVideo): VideoGrant {
  const out: VideoGrant = {
    $typeName: "roomgate.v1.VideoGrant",
    roomCreate: v.roomCreate ?? false,
    roomList: v.roomList ?? false,
    roomRecord: v.roomRecord ?? false,
    roomAdmin: v.roomAdmin ?? false,
    roomJoin: v.roomJoin ?? false,
    room: v.room ?? "",
    canPublishSources: (v.canPublishSources ?? []).map(sourceEnum),
    ingressAdmin: v.ingressAdmin ?? false,
    hidden: v.hidden ?? false,
    recorder: v.recorder ?? false,
    agent: v.agent ?? false,
    destinationRoom: v.destinationRoom ?? "",
  };
  if (v.canPublish !== undefined) out.canPublish = v.canPublish;
  if (v.canSubscribe !== undefined) out.canSubscribe = v.canSubscribe;
  if (v.canPublishData !== undefined) out.canPublishData = v.canPublishData;
  if (v.canUpdateOwnMetadata !== undefined) out.canUpdateOwnMetadata = v.canUpdateOwnMetadata;
  if (v.canSubscribeMetrics !== undefined) out.canSubscribeMetrics = v.canSubscribeMetrics;
  if (v.canManageAgentSession !== undefined) out.canManageAgentSession = v.canManageAgentSession;
  return out;
}

/** The proto form of domain grants. */
export function claimsToProto(g: ClaimGrants): Claims {
  const out: Claims = {
    $typeName: "roomgate.v1.Claims",
    identity: g.identity ?? "",
    name: g.name ?? "",
    kind: kindEnum(g.kind),
    kindDetails: g.kindDetails ?? [],
    metadata: g.metadata ?? "",
    attributes: g.attributes ?? {},
    sha256: g.sha256 ?? "",
    roomPreset: g.roomPreset ?? "",
  };
  if (g.video) out.video = videoToProto(g.video);
  if (g.sip) out.sip = { $typeName: "roomgate.v1.SIPGrant", admin: g.sip.admin ?? false, call: g.sip.call ?? false };
  if (g.agent) {
    out.agent = {
      $typeName: "roomgate.v1.AgentGrant",
      admin: g.agent.admin ?? false,
      simulationAdmin: g.agent.simulationAdmin ?? false,
      databaseAdmin: g.agent.databaseAdmin ?? false,
    };
  }
  if (g.inference) out.inference = { $typeName: "roomgate.v1.InferenceGrant", perform: g.inference.perform ?? false };
  if (g.observability) out.observability = { $typeName: "roomgate.v1.ObservabilityGrant", write: g.observability.write ?? false };
  if (g.roomConfig) out.roomConfig = g.roomConfig;
  return out;
}

/**
 * The fields roomgate.v1's and LiveKit's ParticipantPermission share: both
 * number their known track sources 1–4 in TRACK_SOURCES' order; only their
 * UNKNOWN differs (roomgate.v1's 5, LiveKit's 0), hence the source decoder.
 */
export type PermissionFields = Omit<ParticipantPermission, "$typeName" | "canPublishSources"> & { canPublishSources: readonly number[] };

/** Domain permission from either proto message; `decodeSource` reads its numbering (roomgate.v1's by default). */
export function permissionFromProto(
  p: PermissionFields, field = "permission", decodeSource: (s: number, field: string) => string = sourceName,
): DomainPermission {
  return {
    canSubscribe: p.canSubscribe,
    canPublish: p.canPublish,
    canPublishData: p.canPublishData,
    canPublishSources: p.canPublishSources.map((s) => decodeSource(s, `${field}.can_publish_sources`)),
    hidden: p.hidden,
    recorder: p.recorder,
    canUpdateMetadata: p.canUpdateMetadata,
    agent: p.agent,
    canSubscribeMetrics: p.canSubscribeMetrics,
    canManageAgentSession: p.canManageAgentSession,
  };
}

/** The proto form of a domain permission. */
export function permissionToProto(p: DomainPermission): ParticipantPermission {
  return create(ParticipantPermissionSchema, { ...p, canPublishSources: p.canPublishSources.map(sourceEnum) });
}

/** A Timestamp from Unix seconds (millisecond precision, as timestampFromMs). */
export function timestampFromSeconds(sec: number): Timestamp {
  // timestampFromMs's arithmetic in a typed literal: three of these go into every token response.
  const ms = Math.round(sec * 1000);
  const seconds = Math.floor(ms / 1000);
  return { $typeName: "google.protobuf.Timestamp", seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}
