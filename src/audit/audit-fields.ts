import { hashCredential } from "../core/credentials.js";
import { toPermission, type ParticipantPermission, type VideoGrant } from "../core/grants.js";
import type { VerifiedToken } from "../core/jwt.js";
import type { AuditCaller } from "./audit-log.js";

/** Hex SHA-256 of a token, so a token can be matched to its mint without being stored. */
export function tokenSha256(token: string): string {
  // The same digest the config keeps of a client credential, with its faster one-shot hash (an audited mint or join pays it).
  return hashCredential(token);
}

/** The audit caller of a verified token: its identity and the key that signed it. */
export function tokenCaller(t: VerifiedToken): AuditCaller {
  return { identity: t.identity, api_key: t.apiKey };
}

/** Unix seconds as RFC 3339. */
export function rfc3339(sec: number): string {
  return new Date(sec * 1000).toISOString();
}

const bytes = (s: string): number => Buffer.byteLength(s, "utf8");

/** What an admin update asks for, as §11's `changes`: permission fields with before and after; names, metadata and attributes only as keys and byte sizes. */
export interface AuditChanges {
  permission?: Partial<{ [K in keyof ParticipantPermission]: { before: ParticipantPermission[K]; after: ParticipantPermission[K] } }>;
  name?: { before_bytes: number; after_bytes: number };
  metadata?: { before_bytes: number; after_bytes: number };
  attributes?: { set?: Record<string, number>; deleted?: string[] };
}

function sameValue(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;
}

/** The `changes` of an update of a participant whose current state is `cur`; a field left as it was is not listed. */
export function updateChanges(
  cur: { video: VideoGrant; name: string; metadata: string; attributes: Record<string, string> },
  u: { name?: string; metadata?: string; attributes?: Record<string, string>; permission?: ParticipantPermission },
): AuditChanges {
  const out: AuditChanges = {};
  if (u.permission) {
    const before = toPermission(cur.video);
    const diff: Record<string, { before: unknown; after: unknown }> = {};
    for (const k of Object.keys(before) as (keyof ParticipantPermission)[]) {
      if (!sameValue(before[k], u.permission[k])) diff[k] = { before: before[k], after: u.permission[k] };
    }
    if (Object.keys(diff).length > 0) out.permission = diff as AuditChanges["permission"];
  }
  if (u.name && u.name !== cur.name) out.name = { before_bytes: bytes(cur.name), after_bytes: bytes(u.name) };
  if (u.metadata && u.metadata !== cur.metadata) out.metadata = { before_bytes: bytes(cur.metadata), after_bytes: bytes(u.metadata) };
  if (u.attributes && Object.keys(u.attributes).length > 0) {
    const set: Record<string, number> = {};
    const deleted: string[] = [];
    for (const [k, v] of Object.entries(u.attributes)) {
      if (v === "") deleted.push(k);
      else set[k] = bytes(v);
    }
    out.attributes = { ...(Object.keys(set).length > 0 && { set }), ...(deleted.length > 0 && { deleted }) };
  }
  return out;
}
