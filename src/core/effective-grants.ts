import { getCanPublish, getCanPublishData, getCanSubscribe, type ClaimGrants } from "./grants.js";

// Booleans of the video grant, by their JSON names; the three LiveKit defaults are handled apart.
const VIDEO_FLAGS = [
  "roomCreate", "roomList", "roomRecord", "roomAdmin", "roomJoin", "canUpdateOwnMetadata", "ingressAdmin",
  "hidden", "recorder", "agent", "canSubscribeMetrics", "canManageAgentSession",
] as const;

/** Every grant name a minting policy may list (contract §13), in the order `effectiveGrantNames` reports them. */
export const GRANT_NAMES = [
  ...VIDEO_FLAGS, "canPublish", "canSubscribe", "canPublishData",
  "sip.admin", "sip.call", "agent.admin", "agent.simulationAdmin", "agent.databaseAdmin",
  "inference.perform", "observability.write", "roomConfig",
] as const;
/** One grant name of §13. */
export type GrantName = (typeof GRANT_NAMES)[number];

/** Whether a string is a grant name of §13. */
export function isGrantName(s: string): s is GrantName {
  return (GRANT_NAMES as readonly string[]).includes(s);
}

/**
 * The names of the grants a token really carries (contract §13, §11's `grants`):
 * the booleans that are true, with LiveKit's defaults applied under `roomJoin`
 * (unset canPublish and canSubscribe are true, unset canPublishData follows canPublish);
 * without `roomJoin` those three carry nothing and are left out. `roomConfig` when the token
 * carries a room configuration or names a preset of one (`roomPreset`): either configures the room.
 */
export function effectiveGrantNames(g: ClaimGrants): GrantName[] {
  const out: GrantName[] = [];
  const v = g.video;
  if (v) {
    for (const f of VIDEO_FLAGS) if (v[f] === true) out.push(f);
    if (v.roomJoin === true) {
      if (getCanPublish(v)) out.push("canPublish");
      if (getCanSubscribe(v)) out.push("canSubscribe");
      if (getCanPublishData(v)) out.push("canPublishData");
    }
  }
  if (g.sip?.admin === true) out.push("sip.admin");
  if (g.sip?.call === true) out.push("sip.call");
  if (g.agent?.admin === true) out.push("agent.admin");
  if (g.agent?.simulationAdmin === true) out.push("agent.simulationAdmin");
  if (g.agent?.databaseAdmin === true) out.push("agent.databaseAdmin");
  if (g.inference?.perform === true) out.push("inference.perform");
  if (g.observability?.write === true) out.push("observability.write");
  if (g.roomConfig !== undefined || g.roomPreset) out.push("roomConfig");
  return out;
}
