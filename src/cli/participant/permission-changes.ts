import type { ParticipantPermission } from "../../core/grants.js";
import type { PermissionFlags } from "./permission.js";

type BooleanField = Exclude<keyof ParticipantPermission, "canPublishSources">;

// The convenience flags name only these; every other field takes a fresh token's default.
const FLAG_OF: Partial<Record<BooleanField, keyof PermissionFlags>> = {
  canPublish: "can-publish",
  canSubscribe: "can-subscribe",
  canPublishData: "can-publish-data",
};

const BOOLEAN_FIELDS: readonly BooleanField[] = [
  "canSubscribe", "canPublish", "canPublishData", "hidden", "recorder", "agent",
  "canUpdateMetadata", "canSubscribeMetrics", "canManageAgentSession",
];

/**
 * The fields a permission set built from the convenience flags turns off or
 * widens although no flag named them, as `field (old -> new)`: the flags
 * replace the whole set, so a hidden recorder, say, silently stops being one.
 */
export function unrequestedChanges(current: ParticipantPermission, next: ParticipantPermission, flags: PermissionFlags): string[] {
  const out: string[] = [];
  for (const field of BOOLEAN_FIELDS) {
    const flag = FLAG_OF[field];
    if (flag !== undefined && flags[flag] !== undefined) continue;
    if (current[field] !== next[field]) out.push(`${field} (${current[field]} -> ${next[field]})`);
  }
  // Without --allow-source the new set allows every source; that only matters if it may publish.
  const sourcesGiven = (flags["allow-source"]?.length ?? 0) > 0;
  if (!sourcesGiven && next.canPublish && current.canPublishSources.length > 0 && next.canPublishSources.length === 0) {
    out.push(`canPublishSources (${current.canPublishSources.join(",")} -> every source)`);
  }
  return out;
}

/** The stderr warning for `unrequestedChanges`, or "" when the flags change nothing they do not name. */
export function permissionWarning(identity: string, current: ParticipantPermission, next: ParticipantPermission, flags: PermissionFlags): string {
  const changes = unrequestedChanges(current, next, flags);
  if (changes.length === 0) return "";
  return (
    `roomgate: warning: --can-* and --allow-source replace the whole permission set; for ${JSON.stringify(identity)} ` +
    `this also turns off or widens: ${changes.join(", ")}. To keep them, pass the full set with --permission.\n`
  );
}
