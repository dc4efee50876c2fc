/** Lowercase track source names as LiveKit writes them in `canPublishSources`. */
export const TRACK_SOURCES = ["camera", "microphone", "screen_share", "screen_share_audio"] as const;
/** One of LiveKit's publishable sources. */
export type TrackSourceName = (typeof TRACK_SOURCES)[number];

/** Lowercase participant kinds as LiveKit writes them in `kind`. */
export const PARTICIPANT_KINDS = ["standard", "ingress", "egress", "sip", "agent", "connector", "bridge"] as const;
/** One of LiveKit's participant kinds. */
export type ParticipantKindName = (typeof PARTICIPANT_KINDS)[number];

/** Whether a string is a known lowercase track source. */
export function isTrackSource(s: string): s is TrackSourceName {
  return (TRACK_SOURCES as readonly string[]).includes(s);
}

/** Whether a string is a known lowercase participant kind. */
export function isParticipantKind(s: string): s is ParticipantKindName {
  return (PARTICIPANT_KINDS as readonly string[]).includes(s);
}

/** A track source read as LiveKit reads it (Go's ToUpper lookup): its lowercase name in any case, else undefined. */
export function readTrackSource(s: string): TrackSourceName | undefined {
  const lower = s.toLowerCase();
  return isTrackSource(lower) ? lower : undefined;
}

/** A participant kind read in any case (`SIP` is `sip`), else undefined. */
export function readParticipantKind(s: string): ParticipantKindName | undefined {
  const lower = s.toLowerCase();
  return isParticipantKind(lower) ? lower : undefined;
}

/** How LiveKit writes its UNKNOWN source (sourceToString), used when a request's UNKNOWN has no original string. */
export const UNKNOWN_SOURCE = "unknown";

/**
 * LiveKit's `video` grant. Optional booleans are tri-state: `undefined` keeps
 * LiveKit's default, which only the getters below apply.
 * `canPublishSources` keeps the token's strings as they are, as LiveKit does.
 */
export interface VideoGrant {
  roomCreate?: boolean;
  roomList?: boolean;
  roomRecord?: boolean;
  roomAdmin?: boolean;
  roomJoin?: boolean;
  room?: string;
  canPublish?: boolean;
  canSubscribe?: boolean;
  canPublishData?: boolean;
  canPublishSources?: string[];
  canUpdateOwnMetadata?: boolean;
  ingressAdmin?: boolean;
  hidden?: boolean;
  recorder?: boolean;
  agent?: boolean;
  canSubscribeMetrics?: boolean;
  canManageAgentSession?: boolean;
  destinationRoom?: string;
}

/** LiveKit's `sip` grant. */
export interface SIPGrant {
  admin?: boolean;
  call?: boolean;
}

/** LiveKit's top-level `agent` grant. */
export interface AgentGrant {
  admin?: boolean;
  simulationAdmin?: boolean;
  databaseAdmin?: boolean;
}

/** LiveKit's `inference` grant. */
export interface InferenceGrant {
  perform?: boolean;
}

/** LiveKit's `observability` grant. */
export interface ObservabilityGrant {
  write?: boolean;
}

/** A JSON value, as `roomConfig` carries. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [k: string]: JsonValue };

/** LiveKit's ClaimGrants: what a token says about its bearer besides iss/sub/times. */
export interface ClaimGrants {
  identity?: string;
  name?: string;
  kind?: string;
  kindDetails?: string[];
  video?: VideoGrant;
  sip?: SIPGrant;
  agent?: AgentGrant;
  inference?: InferenceGrant;
  observability?: ObservabilityGrant;
  metadata?: string;
  attributes?: Record<string, string>;
  sha256?: string;
  roomPreset?: string;
  roomConfig?: JsonObject;
}

/**
 * LiveKit's ParticipantPermission. Sources are lowercase names; a source roomgate does not
 * recognise (LiveKit's UNKNOWN) is kept as its original string, so it survives a round trip.
 */
export interface ParticipantPermission {
  canSubscribe: boolean;
  canPublish: boolean;
  canPublishData: boolean;
  canPublishSources: string[];
  hidden: boolean;
  recorder: boolean;
  canUpdateMetadata: boolean;
  agent: boolean;
  canSubscribeMetrics: boolean;
  canManageAgentSession: boolean;
}

/** Unset canPublish means true. */
export function getCanPublish(v: VideoGrant): boolean {
  return v.canPublish ?? true;
}

/** Unset canSubscribe means true. */
export function getCanSubscribe(v: VideoGrant): boolean {
  return v.canSubscribe ?? true;
}

/** Unset canPublishData follows canPublish (LiveKit Go, not the Node doc comment). */
export function getCanPublishData(v: VideoGrant): boolean {
  return v.canPublishData ?? getCanPublish(v);
}

/** LiveKit's GetCanPublishSource: canPublish=false wins; an empty list allows all; exact lowercase match. */
export function canPublishSource(v: VideoGrant, source: TrackSourceName): boolean {
  if (!getCanPublish(v)) return false;
  const list = v.canPublishSources;
  if (!list || list.length === 0) return true;
  return list.includes(source);
}

/** Whether two permissions grant the same (source lists compared in order, as they are stored). */
export function samePermission(a: ParticipantPermission, b: ParticipantPermission): boolean {
  return a.canSubscribe === b.canSubscribe && a.canPublish === b.canPublish && a.canPublishData === b.canPublishData
    && a.hidden === b.hidden && a.recorder === b.recorder && a.canUpdateMetadata === b.canUpdateMetadata && a.agent === b.agent
    && a.canSubscribeMetrics === b.canSubscribeMetrics && a.canManageAgentSession === b.canManageAgentSession
    && a.canPublishSources.length === b.canPublishSources.length && a.canPublishSources.every((x, k) => x === b.canPublishSources[k]);
}

/**
 * LiveKit's VideoGrant.ToPermission; sources match case-insensitively as Go's ToUpper lookup does.
 * An unknown one is LiveKit's UNKNOWN: kept in place, as its original string, never dropped.
 */
export function toPermission(v: VideoGrant): ParticipantPermission {
  return {
    canSubscribe: getCanSubscribe(v),
    canPublish: getCanPublish(v),
    canPublishData: getCanPublishData(v),
    canPublishSources: (v.canPublishSources ?? []).map((s) => readTrackSource(s) ?? s),
    hidden: v.hidden ?? false,
    recorder: v.recorder ?? false,
    canUpdateMetadata: v.canUpdateOwnMetadata ?? false,
    agent: v.agent ?? false,
    canSubscribeMetrics: v.canSubscribeMetrics ?? false,
    canManageAgentSession: v.canManageAgentSession ?? false,
  };
}

/**
 * LiveKit's VideoGrant.UpdateFromPermission: returns a new grant whose
 * permission fields come from `p`, made explicit; room, join, admin and the
 * other non-permission fields are kept.
 */
export function applyPermission(v: VideoGrant, p: ParticipantPermission): VideoGrant {
  const out: VideoGrant = {
    ...v,
    canPublish: p.canPublish,
    canPublishData: p.canPublishData,
    canSubscribe: p.canSubscribe,
    canUpdateOwnMetadata: p.canUpdateMetadata,
    hidden: p.hidden,
    recorder: p.recorder,
    agent: p.agent,
    canSubscribeMetrics: p.canSubscribeMetrics,
    canManageAgentSession: p.canManageAgentSession,
  };
  if (p.canPublishSources.length > 0) out.canPublishSources = [...p.canPublishSources];
  else delete out.canPublishSources;
  return out;
}

/** LiveKit's MatchesPermission: all ten fields equal, sources order-sensitive. */
export function matchesPermission(v: VideoGrant, p: ParticipantPermission): boolean {
  const cur = toPermission(v);
  return (
    cur.canSubscribe === p.canSubscribe &&
    cur.canPublish === p.canPublish &&
    cur.canPublishData === p.canPublishData &&
    cur.hidden === p.hidden &&
    cur.recorder === p.recorder &&
    cur.canUpdateMetadata === p.canUpdateMetadata &&
    cur.agent === p.agent &&
    cur.canSubscribeMetrics === p.canSubscribeMetrics &&
    cur.canManageAgentSession === p.canManageAgentSession &&
    cur.canPublishSources.length === p.canPublishSources.length &&
    cur.canPublishSources.every((s, i) => s === p.canPublishSources[i])
  );
}
