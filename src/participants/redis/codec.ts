import type { JsonObject, ParticipantPermission, TrackSourceName, VideoGrant } from "../../core/grants.js";
import type { ParticipantRecord } from "../model.js";

/**
 * The Redis data layout, version 1. Key names and hash fields are fixed here, written and read
 * field by field, never derived from in-memory helpers, so a change of code cannot orphan
 * stored watermarks. A layout change bumps SCHEMA_VERSION and adds a migration.
 */
export const SCHEMA_VERSION = 1;

// Room and identity are URI-encoded in key names, so ":" cannot clash with the separator.
// Lone surrogates (which encodeURIComponent refuses) were already replaced upstream; toWellFormed keeps this total.
const enc = (s: string): string => encodeURIComponent(s.toWellFormed());

/** The key names under one prefix. */
export interface RedisKeys {
  /** STRING: the layout version. */
  schema: string;
  /** STRING: a random id set once; a different one after a reconnect means Redis was wiped or replaced. */
  epoch: string;
  /** HASH: participant field → revocation watermark (Unix seconds); never expires, never decreases. */
  revoked: string;
  /** HASH: participant field → "1" for participants whose permission an admin set (loaded at start). */
  admin: string;
  /** STREAM: one entry per change, read by every instance from its own cursor. */
  events: string;
  /** HASH of one participant record. */
  participant(room: string, identity: string): string;
  /** ZSET (score 0) of a room's active identities; BYLEX order is byte order, as SQLite's. */
  active(room: string): string;
}

/** Key names for a prefix. */
export function redisKeys(prefix: string): RedisKeys {
  return {
    schema: `${prefix}schema`,
    epoch: `${prefix}epoch`,
    revoked: `${prefix}revoked`,
    admin: `${prefix}admin`,
    events: `${prefix}events`,
    participant: (room, identity) => `${prefix}p:${enc(room)}:${enc(identity)}`,
    active: (room) => `${prefix}active:${enc(room)}`,
  };
}

/** The field naming (room, identity) in the `revoked` and `admin` hashes. */
export function participantField(room: string, identity: string): string {
  return `${enc(room)}:${enc(identity)}`;
}

/** The inverse of participantField. */
export function parseParticipantField(field: string): { room: string; identity: string } | undefined {
  const i = field.indexOf(":");
  if (i < 0) return undefined;
  try {
    return { room: decodeURIComponent(field.slice(0, i)), identity: decodeURIComponent(field.slice(i + 1)) };
  } catch {
    return undefined;
  }
}

/** Hash fields of a participant record (schema 1). `ap`/`ap_at` hold the latest admin permission and its Redis second. */
export const F = {
  room: "room",
  identity: "identity",
  version: "v",
  state: "state",
  name: "name",
  metadata: "meta",
  attributes: "attrs",
  kind: "kind",
  video: "video",
  adminSet: "admin",
  roomConfig: "rcfg",
  roomPreset: "rpreset",
  joinedAtMs: "joined_ms",
  updatedAtMs: "updated_ms",
  joinExpiresAt: "join_exp",
  adminPermission: "ap",
  adminPermissionAtSec: "ap_at",
} as const;

/** The fields a record write may leave out, cleared before each write so an absent value stays absent. */
export const OPTIONAL_FIELDS = [F.roomConfig, F.roomPreset] as const;

// The video grant is stored under LiveKit's own claim names (the token wire format, contract §2), listed here explicitly.
const VIDEO_FIELDS = [
  "roomCreate", "roomList", "roomRecord", "roomAdmin", "roomJoin", "room", "canPublish", "canSubscribe", "canPublishData",
  "canPublishSources", "canUpdateOwnMetadata", "ingressAdmin", "hidden", "recorder", "agent", "canSubscribeMetrics",
  "canManageAgentSession", "destinationRoom",
] as const;

function encodeVideo(v: VideoGrant): string {
  const out: Record<string, unknown> = {};
  const src = v as Record<string, unknown>;
  for (const k of VIDEO_FIELDS) if (src[k] !== undefined) out[k] = src[k];
  return JSON.stringify(out);
}

function decodeVideo(s: string): VideoGrant {
  const raw = JSON.parse(s) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of VIDEO_FIELDS) if (raw[k] !== undefined) out[k] = raw[k];
  return out as VideoGrant;
}

// Permission flags in a fixed order, then the sources: "1,0,1,…|camera,microphone".
const PERMISSION_FLAGS = [
  "canSubscribe", "canPublish", "canPublishData", "hidden", "recorder", "canUpdateMetadata", "agent", "canSubscribeMetrics",
  "canManageAgentSession",
] as const;

/** Encodes an admin permission (schema 1): nine 0/1 flags in a fixed order, `|`, the track source names. */
export function encodePermission(p: ParticipantPermission): string {
  return `${PERMISSION_FLAGS.map((f) => (p[f] ? "1" : "0")).join(",")}|${p.canPublishSources.join(",")}`;
}

/** Decodes encodePermission's form. */
export function decodePermission(s: string): ParticipantPermission {
  const [flags = "", sources = ""] = s.split("|");
  const bits = flags.split(",");
  const p = { canPublishSources: sources ? (sources.split(",") as TrackSourceName[]) : [] } as unknown as Record<string, unknown>;
  PERMISSION_FLAGS.forEach((f, i) => (p[f] = bits[i] === "1"));
  return p as unknown as ParticipantPermission;
}

/** The hash fields and values a record is written as (version excluded: the script sets it). */
export function encodeRecord(r: ParticipantRecord): string[] {
  const out = [
    F.room, r.room,
    F.identity, r.identity,
    F.state, r.state,
    F.name, r.name,
    F.metadata, r.metadata,
    F.attributes, JSON.stringify(Object.fromEntries(Object.entries(r.attributes).map(([k, v]) => [k, String(v)]))),
    F.kind, r.kind,
    F.video, encodeVideo(r.video),
    // The admin index flag; the permission itself (ap, ap_at) is written by the script, which stamps its second.
    F.adminSet, r.adminPermission ? "1" : "0",
    F.joinedAtMs, String(r.joinedAtMs),
    F.updatedAtMs, String(r.updatedAtMs),
    F.joinExpiresAt, String(r.joinExpiresAt),
  ];
  if (r.roomConfig !== undefined) out.push(F.roomConfig, JSON.stringify(r.roomConfig));
  if (r.roomPreset !== undefined) out.push(F.roomPreset, r.roomPreset);
  return out;
}

/** Reads a record from HGETALL's flat [field, value, …] reply; undefined when the hash is missing or not schema 1. */
export function decodeRecord(flat: readonly string[]): ParticipantRecord | undefined {
  const h = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) h.set(flat[i]!, flat[i + 1]!);
  const version = Number(h.get(F.version));
  if (!h.has(F.room) || !h.has(F.identity) || !Number.isSafeInteger(version) || version < 1) return undefined;
  const r: ParticipantRecord = {
    room: h.get(F.room)!,
    identity: h.get(F.identity)!,
    name: h.get(F.name) ?? "",
    metadata: h.get(F.metadata) ?? "",
    attributes: JSON.parse(h.get(F.attributes) ?? "{}") as Record<string, string>,
    kind: h.get(F.kind) ?? "",
    video: decodeVideo(h.get(F.video) ?? "{}"),
    state: h.get(F.state) === "active" ? "active" : "removed",
    joinedAtMs: Number(h.get(F.joinedAtMs) ?? 0),
    updatedAtMs: Number(h.get(F.updatedAtMs) ?? 0),
    version,
    joinExpiresAt: Number(h.get(F.joinExpiresAt) ?? 0),
  };
  const ap = h.get(F.adminPermission);
  const apAt = Number(h.get(F.adminPermissionAtSec));
  if (ap !== undefined && Number.isSafeInteger(apAt)) r.adminPermission = { permission: decodePermission(ap), atSec: apAt };
  if (h.has(F.roomConfig)) r.roomConfig = JSON.parse(h.get(F.roomConfig)!) as JsonObject;
  if (h.has(F.roomPreset)) r.roomPreset = h.get(F.roomPreset)!;
  return r;
}

/** Fields of a stream entry (schema 1). */
export const E = { cause: "c", field: "f", version: "v", watermark: "w", origin: "o" } as const;
