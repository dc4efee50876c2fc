import { asRoomgateError, type Reason } from "../core/errors.js";
import type { AuditCaller, AuditEntry, AuditEvent, AuditLog } from "../audit/audit-log.js";

// Failures that are the caller's fault in proving who it is or what it may do: audited as caller.denied.
const DENIALS = new Set<Reason>([
  "caller_unauthenticated", "grant_missing", "policy_denied", "token_malformed", "token_algorithm_not_allowed",
  "token_unknown_key", "token_signature_invalid", "token_expired", "token_not_yet_valid", "token_missing_expiry", "token_revoked",
]);

/** Whether a failure is a refusal of the caller (audited as `caller.denied`) rather than a bad request or an outage. */
export function isDenial(err: unknown): boolean {
  return DENIALS.has(asRoomgateError(err).reason);
}

/**
 * Runs an authorization step; when it refuses the caller, writes a
 * `caller.denied` line for `action` (caller, room and identity when known) and rethrows.
 */
export async function auditDenial<T>(audit: AuditLog, action: AuditEvent, at: { caller?: AuditCaller; room?: string; identity?: string }, step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isDenial(err)) denied(audit, action, at, err);
    throw err;
  }
}

/** Writes a `caller.denied` line for a refusal; the refusal stands whether or not the line is written. */
export function denied(audit: AuditLog, action: AuditEvent, at: Partial<AuditEntry>, err: unknown): void {
  audit.note({ event: "caller.denied", outcome: "denied", reason: asRoomgateError(err).reason, action, ...at });
}

/**
 * Writes the `allowed` line, then makes the change (fail closed: no line, no
 * change); a change that then fails gets a second line, `outcome: failed`.
 */
export async function auditedChange<T>(audit: AuditLog, entry: AuditEntry, change: () => Promise<T>): Promise<T> {
  audit.write(entry);
  try {
    return await change();
  } catch (err) {
    audit.note({ ...entry, outcome: "failed", reason: asRoomgateError(err).reason });
    throw err;
  }
}
