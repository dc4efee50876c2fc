import type { ParticipantPermission } from "../../core/grants.js";
import type { ParticipantView, WatchEvent } from "../context.js";

// Names, metadata and attributes come from other users; control characters would let them rewrite the terminal.
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** An RFC 3339 time, to the millisecond only when there are milliseconds; empty for 0 (unset). */
export function isoTime(ms: number): string {
  return ms === 0 ? "" : new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

/** A one-line summary: what the participant may do, e.g. `publish(camera,microphone) subscribe data`. */
export function permissionSummary(p: ParticipantPermission): string {
  const parts: string[] = [];
  if (p.canPublish) parts.push(p.canPublishSources.length > 0 ? `publish(${p.canPublishSources.join(",")})` : "publish");
  if (p.canSubscribe) parts.push("subscribe");
  if (p.canPublishData) parts.push("data");
  if (p.canUpdateMetadata) parts.push("update-metadata");
  if (p.canSubscribeMetrics) parts.push("metrics");
  if (p.canManageAgentSession) parts.push("manage-agent-session");
  if (p.hidden) parts.push("hidden");
  if (p.recorder) parts.push("recorder");
  if (p.agent) parts.push("agent");
  return parts.length > 0 ? parts.join(" ") : "none";
}

function attributeText(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/**
 * The JSON form: camelCase field names like the API's JSON (so `jq .permission`
 * feeds straight back into `--permission`), times in RFC 3339.
 */
export function participantJson(p: ParticipantView): Record<string, unknown> {
  return {
    room: p.room,
    identity: p.identity,
    name: p.name,
    kind: p.kind,
    state: p.state,
    version: p.version,
    permission: p.permission,
    metadata: p.metadata,
    attributes: p.attributes,
    joinedAt: isoTime(p.joinedAtMs),
    updatedAt: isoTime(p.updatedAtMs),
  };
}

/** `participant get|update` output: one field per line. */
export function participantDetail(p: ParticipantView): string {
  const rows: [string, string][] = [
    ["Identity", p.identity],
    ["Name", p.name],
    ["Room", p.room],
    ["Kind", p.kind || "-"],
    ["State", p.state],
    ["Version", String(p.version)],
    ["Permission", permissionSummary(p.permission)],
    ["Metadata", p.metadata],
    ["Attributes", attributeText(p.attributes)],
    ["Joined", isoTime(p.joinedAtMs)],
    ["Updated", isoTime(p.updatedAtMs)],
  ];
  return rows.map(([k, v]) => `${v ? `${`${k}:`.padEnd(12)}${printable(v)}` : `${k}:`}\n`).join("");
}

/** `participant list` output: an aligned table, long metadata and attributes clipped. */
export function participantTable(list: ParticipantView[]): string {
  const header = ["IDENTITY", "NAME", "STATE", "VERSION", "PERMISSION", "METADATA", "ATTRIBUTES", "UPDATED"];
  const rows = list.map((p) => [
    p.identity,
    p.name,
    p.state,
    String(p.version),
    permissionSummary(p.permission),
    clip(p.metadata, 24),
    clip(attributeText(p.attributes), 32),
    isoTime(p.updatedAtMs),
  ].map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}\n`;
  return [header, ...rows].map(line).join("");
}

/** One `participant watch` line: compact JSON, so each pushed event is one line for jq or a script. */
export function watchLine(e: WatchEvent): string {
  return `${JSON.stringify({
    cause: e.cause,
    version: e.participant.version,
    expiresAt: e.expiresAt === undefined ? null : isoTime(e.expiresAt * 1000),
    token: e.token || null,
  })}\n`;
}
