import type { Clock } from "../core/clock.js";
import { RoomgateError, type Reason } from "../core/errors.js";
import type { Logger } from "../log.js";
import type { AuditSink } from "./audit-sink.js";

/** The events of contract §11. */
export type AuditEvent = "token.create" | "participant.join" | "participant.update" | "participant.remove" | "caller.denied" | "keys.reload";
/** Whether the decision let the call through, refused it, or the allowed change then failed. */
export type AuditOutcome = "allowed" | "denied" | "failed";
/** Who asked: a CreateToken client by name, or the identity and key of a token caller. */
export type AuditCaller = { client: string } | { identity: string; api_key: string };

/** One audit line before `time` and `instance` are added; event-specific fields go alongside. */
export interface AuditEntry {
  event: AuditEvent;
  outcome: AuditOutcome;
  reason?: Reason;
  /** For caller.denied: the event the caller attempted. */
  action?: AuditEvent;
  caller?: AuditCaller;
  room?: string;
  identity?: string;
  [field: string]: unknown;
}

/** Writes audit lines (contract §11). */
export interface AuditLog {
  /** Whether lines are written at all (`--audit-log` given). */
  readonly enabled: boolean;
  /** Writes one line before the change it records; throws `audit_unavailable` when it cannot, so the change must not happen. */
  write(entry: AuditEntry): void;
  /** Writes a line whose failure must not change the call's answer (a denial, a failed change); a failure is logged. */
  note(entry: AuditEntry): void;
  /** Reopens the file after rotation (SIGHUP); a failure keeps the old file and is logged. */
  reopen(): void;
  close(): void;
}

/** Creates an audit log over a sink; every line carries `time` (RFC 3339) and `instance`. */
export function createAuditLog(deps: { sink: AuditSink; clock: Clock; instance: string; log: Logger }): AuditLog {
  const { sink, clock, instance, log } = deps;
  const write = (entry: AuditEntry): void => {
    const line = `${JSON.stringify({ time: new Date(clock.nowMs()).toISOString(), instance, ...entry })}\n`;
    try {
      sink.write(line);
    } catch (err) {
      log.error("audit line not written; refusing the change", { event: entry.event, code: (err as NodeJS.ErrnoException).code });
      throw new RoomgateError("audit_unavailable", { cause: err });
    }
  };
  return {
    enabled: true,
    write,
    note(entry) {
      try {
        write(entry);
      } catch {
        // Already logged by write; the call's own answer stands.
      }
    },
    reopen() {
      try {
        if (sink.reopen()) log.info("audit log reopened");
      } catch (err) {
        log.error("audit log not reopened; still writing to the old file", { code: (err as NodeJS.ErrnoException).code });
      }
    },
    close: () => sink.close(),
  };
}

/** The audit log when `--audit-log` is not given: nothing is written and nothing fails. */
export const disabledAuditLog: AuditLog = {
  enabled: false,
  write: () => {},
  note: () => {},
  reopen: () => {},
  close: () => {},
};
