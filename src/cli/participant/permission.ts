import { isTrackSource, toPermission, TRACK_SOURCES, type ParticipantPermission, type TrackSourceName, type VideoGrant } from "../../core/grants.js";
import { jsonObjectFlag, triState } from "../args.js";
import { usageError } from "../context.js";

const PERMISSION_FIELDS = [
  "canSubscribe", "canPublish", "canPublishData", "canPublishSources", "hidden", "recorder",
  "canUpdateMetadata", "agent", "canSubscribeMetrics", "canManageAgentSession",
] as const satisfies readonly (keyof ParticipantPermission)[];

// protojson accepts the JSON name (canPublish) and the proto name (can_publish); case is forgiven as well.
const FIELD_OF = new Map<string, (typeof PERMISSION_FIELDS)[number]>(PERMISSION_FIELDS.map((f) => [f.toLowerCase(), f]));

const EMPTY: ParticipantPermission = {
  canSubscribe: false, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false, recorder: false,
  canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
};

/**
 * A track source as a user may write it: lowercase (`screen_share`), LiveKit's
 * enum name (`SCREEN_SHARE`), roomgate's (`TRACK_SOURCE_SCREEN_SHARE`) or the
 * enum number (3), which protojson also accepts.
 */
export function parseSource(value: unknown, where: string, command: string): TrackSourceName {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= TRACK_SOURCES.length) return TRACK_SOURCES[value - 1]!;
  const name = typeof value === "string" ? value.trim().toLowerCase().replace(/^track_source_/, "") : "";
  if (isTrackSource(name)) return name;
  throw usageError(`unknown source ${JSON.stringify(value)} in ${where} (one of ${TRACK_SOURCES.join(", ")})`, command);
}

/**
 * `--permission JSON`: LiveKit's ParticipantPermission as `lk room participants
 * update --permissions` reads it. Like protojson, fields left out are false
 * (and an absent source list allows every source), because the result
 * replaces the participant's whole permission set.
 */
export function parsePermissionJson(json: string, command: string): ParticipantPermission {
  const parsed = jsonObjectFlag(json, "--permission", "a JSON object of ParticipantPermission fields", command);
  const out: ParticipantPermission = { ...EMPTY, canPublishSources: [] };
  for (const [key, value] of Object.entries(parsed)) {
    const field = FIELD_OF.get(key.replace(/_/g, "").toLowerCase());
    if (!field) throw usageError(`--permission has an unknown field "${key}" (fields: ${PERMISSION_FIELDS.join(", ")})`, command);
    // protojson reads null as "not set".
    if (value === null) continue;
    if (field === "canPublishSources") {
      if (!Array.isArray(value)) throw usageError(`--permission field "${field}" must be a list of sources`, command);
      out.canPublishSources = [...new Set(value.map((v) => parseSource(v, "--permission", command)))];
    } else {
      if (typeof value !== "boolean") throw usageError(`--permission field "${field}" must be true or false`, command);
      out[field] = value;
    }
  }
  return out;
}

/** The convenience flags that build a permission set. */
export interface PermissionFlags {
  "can-publish"?: string;
  "can-subscribe"?: string;
  "can-publish-data"?: string;
  "allow-source"?: string[];
}

/** Whether any convenience permission flag was given. */
export function hasPermissionFlags(f: PermissionFlags): boolean {
  return f["can-publish"] !== undefined || f["can-subscribe"] !== undefined || f["can-publish-data"] !== undefined || (f["allow-source"]?.length ?? 0) > 0;
}

/**
 * A full permission set from the convenience flags: what a fresh token with
 * the same grant flags would allow (`roomgate token create`), so a flag left
 * out takes LiveKit's default, not the participant's current value.
 */
export function permissionFromFlags(f: PermissionFlags, command: string): ParticipantPermission {
  const video: VideoGrant = {};
  const canPublish = triState(f["can-publish"], "can-publish", command);
  if (canPublish !== undefined) video.canPublish = canPublish;
  const canSubscribe = triState(f["can-subscribe"], "can-subscribe", command);
  if (canSubscribe !== undefined) video.canSubscribe = canSubscribe;
  const canPublishData = triState(f["can-publish-data"], "can-publish-data", command);
  if (canPublishData !== undefined) video.canPublishData = canPublishData;
  // Repeatable and comma-separated, as lk's string-slice flags are.
  const sources = (f["allow-source"] ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
  if (sources.length > 0) video.canPublishSources = [...new Set(sources.map((s) => parseSource(s, "--allow-source", command)))];
  return toPermission(video);
}
