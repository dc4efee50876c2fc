import { nowSeconds, type Clock } from "../core/clock.js";
import { effectiveGrantNames } from "../core/effective-grants.js";
import { grantMissing, RoomgateError } from "../core/errors.js";
import type { VerifiedToken } from "../core/jwt.js";
import type { ParticipantRecord } from "../participants/model.js";
import type { ParticipantRegistry, ParticipantWithToken } from "../participants/registry.js";
import type { ParticipantUpdate } from "../participants/update-rules.js";
import { disabledAuditLog, type AuditEvent, type AuditLog } from "../audit/audit-log.js";
import { tokenCaller, tokenSha256, updateChanges } from "../audit/audit-fields.js";
import type { CallContext } from "../transport/call-context.js";
import { auditDenial, auditedChange } from "./audited.js";
import { authenticateCaller, isRoomAdmin } from "./authorization.js";
import type { TokenVerifier } from "./token-verifier.js";

/** What the audited participant operations need; `audit` and `clock` are optional so tests and tools can leave them out. */
export interface AuditedParticipantDeps {
  registry: ParticipantRegistry;
  verifier: TokenVerifier;
  audit?: AuditLog;
  /** Fixes the revocation watermark before the removal is audited; without it the registry's clock picks it. */
  clock?: Clock;
}

const auditOf = (d: AuditedParticipantDeps): AuditLog => d.audit ?? disabledAuditLog;

/** Room-admin authorization for a participant-changing `action`; a refusal is audited as caller.denied. */
export async function authorizeAdminAudited(d: AuditedParticipantDeps, ctx: CallContext, room: string, identity: string, action: AuditEvent): Promise<VerifiedToken> {
  const audit = auditOf(d);
  const t = await auditDenial(audit, action, { room, identity }, () => authenticateCaller(d.verifier, ctx));
  // A verified caller without the grant is named, so the line says who tried.
  return auditDenial(audit, action, { caller: tokenCaller(t), room, identity }, () => {
    if (!isRoomAdmin(t, room)) throw grantMissing("roomAdmin", room);
    return t;
  });
}

/** JoinRoom: verifies the join token (a refusal is caller.denied), audits the join, then registers it. */
export async function auditedJoin(d: AuditedParticipantDeps, token: string): Promise<ParticipantWithToken> {
  const audit = auditOf(d);
  const t = await auditDenial(audit, "participant.join", {}, async () => (await d.verifier.verify(token)).token);
  await auditDenial(audit, "participant.join", { caller: tokenCaller(t), ...(t.grants.video?.room !== undefined && { room: t.grants.video.room }), identity: t.identity }, () => {
    if (!t.grants.video?.roomJoin) throw grantMissing("roomJoin");
  });
  const room = t.grants.video?.room ?? "";
  return auditedChange(
    audit,
    { event: "participant.join", outcome: "allowed", caller: tokenCaller(t), room, identity: t.identity, grants: effectiveGrantNames(t.grants), token_sha256: tokenSha256(token) },
    () => d.registry.join(t),
  );
}

/** UpdateParticipant after authorization: audits the changes against the current record, then applies them. */
export async function auditedUpdate(d: AuditedParticipantDeps, caller: VerifiedToken, room: string, identity: string, changes: ParticipantUpdate): Promise<ParticipantRecord> {
  const audit = auditOf(d);
  if (!audit.enabled) return d.registry.update(room, identity, changes);
  // Nothing can change for a participant that is not in the room, so that is answered without a line.
  const cur = await d.registry.get(room, identity);
  if (cur.state !== "active") throw new RoomgateError("participant_not_found");
  return auditedChange(
    audit,
    { event: "participant.update", outcome: "allowed", caller: tokenCaller(caller), room, identity, changes: updateChanges(cur, changes) },
    () => d.registry.update(room, identity, changes),
  );
}

/** RemoveParticipant after authorization: audits the removal and its watermark, then removes. */
export async function auditedRemove(
  d: AuditedParticipantDeps, caller: VerifiedToken, room: string, identity: string, revokeTokens: boolean, revokeThroughSec?: number,
): Promise<ParticipantRecord | undefined> {
  const audit = auditOf(d);
  if (!audit.enabled) return d.registry.remove(room, identity, revokeTokens, revokeThroughSec);
  // Without revoke_tokens nothing can change for a participant not in the room: answered without a line, as for an update.
  if (!revokeTokens && (await d.registry.get(room, identity)).state !== "active") throw new RoomgateError("participant_not_found");
  const watermark = revokeTokens ? (revokeThroughSec ?? (d.clock ? nowSeconds(d.clock) : undefined)) : undefined;
  return auditedChange(
    audit,
    {
      event: "participant.remove", outcome: "allowed", caller: tokenCaller(caller), room, identity, revoke_tokens: revokeTokens,
      ...(watermark !== undefined && { watermark }),
    },
    () => d.registry.remove(room, identity, revokeTokens, watermark),
  );
}
