import { invalidArgument } from "../core/errors.js";
import { applyPermission, readTrackSource, UNKNOWN_SOURCE, type ParticipantPermission } from "../core/grants.js";
import type { ParticipantLimits } from "../config/server-config.js";
import type { ParticipantRecord } from "./model.js";

/** An admin's change request, LiveKit's UpdateParticipantRequest in domain form. */
export interface ParticipantUpdate {
  /** Empty or absent leaves the name unchanged. */
  name?: string;
  /** Empty or absent leaves the metadata unchanged (LiveKit cannot clear it either). */
  metadata?: string;
  /** Merged into the attributes; a value of "" deletes the key. */
  attributes?: Record<string, string>;
  /** When present, replaces the whole permission set. */
  permission?: ParticipantPermission;
}

const bytes = (s: string): number => Buffer.byteLength(s, "utf8");

/** LiveKit's RoomService size checks, run before anything else; the error names the field. */
export function checkUpdateLimits(u: ParticipantUpdate, limits: ParticipantLimits): void {
  if (u.name !== undefined && bytes(u.name) > limits.nameBytes) {
    throw invalidArgument("name", `exceeds ${limits.nameBytes} bytes`);
  }
  if (u.metadata !== undefined && bytes(u.metadata) > limits.metadataBytes) {
    throw invalidArgument("metadata", `exceeds ${limits.metadataBytes} bytes`);
  }
  if (u.attributes !== undefined) {
    let total = 0;
    for (const [k, v] of Object.entries(u.attributes)) total += bytes(k) + bytes(v);
    if (total > limits.attributesBytes) throw invalidArgument("attributes", `exceed ${limits.attributesBytes} bytes in total`);
  }
}

/** LiveKit's ValidateConnectRequest cap on identity and room name, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 256;

/**
 * The size checks a join runs on what its token carries: LiveKit's identity and
 * room caps, plus the UpdateParticipant limits, so a token cannot store what an admin could not.
 */
export function checkJoinLimits(r: ParticipantRecord, limits: ParticipantLimits): void {
  if (bytes(r.identity) > MAX_KEY_BYTES) throw invalidArgument("identity", `exceeds ${MAX_KEY_BYTES} bytes`);
  if (bytes(r.room) > MAX_KEY_BYTES) throw invalidArgument("room", `exceeds ${MAX_KEY_BYTES} bytes`);
  checkUpdateLimits({ name: r.name, metadata: r.metadata, attributes: r.attributes }, limits);
}

/**
 * The permission with each UNKNOWN source (written `unknown`, as a request decodes it) replaced by the
 * current grant's own unrecognised source strings, in order; left as `unknown` once those run out. An
 * admin who sends back the permission a participant shows thus keeps the token's strings (LiveKit interop).
 */
export function resolveUnknownSources(p: ParticipantPermission, current: readonly string[] | undefined): ParticipantPermission {
  if (!p.canPublishSources.includes(UNKNOWN_SOURCE)) return p;
  const originals = (current ?? []).filter((s) => readTrackSource(s) === undefined);
  let next = 0;
  const canPublishSources = p.canPublishSources.map((s) => (s === UNKNOWN_SOURCE && next < originals.length ? originals[next++]! : s));
  return { ...p, canPublishSources };
}

/**
 * The record after an update at `nowMs`, with LiveKit's UpdateParticipant semantics (livekit-auth.md §4.3).
 * A permission becomes the latest admin decision, stamped with the update's whole second (contract §9),
 * or the record's last change's if the clock went back.
 */
export function applyUpdate(cur: ParticipantRecord, u: ParticipantUpdate, nowMs: number): ParticipantRecord {
  const next: ParticipantRecord = { ...structuredClone(cur), updatedAtMs: nowMs };
  if (u.name) next.name = u.name;
  if (u.metadata) next.metadata = u.metadata;
  if (u.attributes) {
    for (const [k, v] of Object.entries(u.attributes)) {
      if (v === "") delete next.attributes[k];
      else next.attributes[k] = v;
    }
  }
  if (u.permission) {
    const permission = resolveUnknownSources(structuredClone(u.permission), cur.video.canPublishSources);
    next.video = applyPermission(cur.video, permission);
    // Never earlier than the record's last change or the previous decision: a clock stepped back must not
    // uncover the tokens handed out before the step.
    const atSec = Math.max(Math.floor(nowMs / 1000), Math.floor(cur.updatedAtMs / 1000), cur.adminPermission?.atSec ?? 0);
    next.adminPermission = { permission, atSec };
  }
  return next;
}

// JSON with sorted keys, so equal grants compare equal whatever order their keys were built in.
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/**
 * Whether an update left everything as it was, so nothing needs storing or pushing. A permission
 * repeated in a later second is a change: it governs the tokens issued since the earlier one.
 */
export function sameContent(a: ParticipantRecord, b: ParticipantRecord): boolean {
  return (
    a.name === b.name &&
    a.metadata === b.metadata &&
    canonical(a.adminPermission) === canonical(b.adminPermission) &&
    canonical(a.attributes) === canonical(b.attributes) &&
    canonical(a.video) === canonical(b.video)
  );
}
