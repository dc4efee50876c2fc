/** Stable, lowercase reasons callers can branch on (contract §6). */
export type Reason =
  | "token_malformed"
  | "token_algorithm_not_allowed"
  | "token_unknown_key"
  | "token_signature_invalid"
  | "token_expired"
  | "token_not_yet_valid"
  | "token_missing_expiry"
  | "token_revoked"
  | "caller_unauthenticated"
  | "grant_missing"
  | "invalid_argument"
  | "participant_not_found"
  | "store_unavailable"
  | "watch_limit"
  | "server_shutting_down"
  | "policy_denied"
  | "audit_unavailable"
  | "internal";

/** The status vocabulary shared by gRPC and Twirp; mapped to each in one place. */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "UNAVAILABLE"
  | "RESOURCE_EXHAUSTED"
  | "INTERNAL";

/** Reasons a token under verification can fail with. */
export type TokenFailure = Extract<Reason, `token_${string}`>;

const CODE_OF: Record<Reason, ErrorCode> = {
  token_malformed: "UNAUTHENTICATED",
  token_algorithm_not_allowed: "UNAUTHENTICATED",
  token_unknown_key: "UNAUTHENTICATED",
  token_signature_invalid: "UNAUTHENTICATED",
  token_expired: "UNAUTHENTICATED",
  token_not_yet_valid: "UNAUTHENTICATED",
  token_missing_expiry: "UNAUTHENTICATED",
  token_revoked: "UNAUTHENTICATED",
  caller_unauthenticated: "UNAUTHENTICATED",
  grant_missing: "PERMISSION_DENIED",
  invalid_argument: "INVALID_ARGUMENT",
  participant_not_found: "NOT_FOUND",
  store_unavailable: "UNAVAILABLE",
  watch_limit: "RESOURCE_EXHAUSTED",
  server_shutting_down: "UNAVAILABLE",
  policy_denied: "PERMISSION_DENIED",
  audit_unavailable: "UNAVAILABLE",
  internal: "INTERNAL",
};

// Fixed public texts: they never carry a token, a secret or the caller's input.
const MESSAGE_OF: Record<Reason, string> = {
  token_malformed: "token is malformed",
  token_algorithm_not_allowed: "token algorithm is not allowed (HS256 only)",
  token_unknown_key: "token was issued by an unknown API key",
  token_signature_invalid: "token signature is invalid",
  token_expired: "token has expired",
  token_not_yet_valid: "token is not valid yet",
  token_missing_expiry: "token has no expiry",
  token_revoked: "token has been revoked",
  caller_unauthenticated: "caller credentials are missing or invalid",
  grant_missing: "permission denied",
  invalid_argument: "invalid argument",
  participant_not_found: "participant not found",
  store_unavailable: "participant store is unavailable",
  watch_limit: "too many watch streams; close one and retry",
  server_shutting_down: "server is shutting down; reconnect",
  policy_denied: "outside the client's minting policy",
  audit_unavailable: "audit log cannot be written; nothing was changed",
  internal: "internal error",
};

/** Every reason, for exhaustive tests and documentation. */
export const ALL_REASONS = Object.keys(CODE_OF) as Reason[];

/** The one error type the service raises; transports map it, nothing else reaches the wire. */
export class RoomgateError extends Error {
  override readonly name = "RoomgateError";
  /** Status class of the failure. */
  readonly code: ErrorCode;
  /** Request field at fault, for invalid_argument. */
  readonly field?: string;
  /** Grant that was required, for grant_missing. */
  readonly grant?: string;

  constructor(
    readonly reason: Reason,
    opts: { field?: string; detail?: string; grant?: string; cause?: unknown } = {},
  ) {
    super(publicMessage(reason, opts.field, opts.detail), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = CODE_OF[reason];
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.grant !== undefined) this.grant = opts.grant;
  }
}

function publicMessage(reason: Reason, field?: string, detail?: string): string {
  const base = MESSAGE_OF[reason];
  if (reason === "invalid_argument" && field) return `${base}: ${field}${detail ? ` ${detail}` : ""}`;
  if (reason === "grant_missing" && detail) return `${base}: ${detail}`;
  if (reason === "policy_denied" && field) return `${base}: ${field}${detail ? ` ${detail}` : ""}`;
  return base;
}

/** The status class a reason maps to. */
export function codeOf(reason: Reason): ErrorCode {
  return CODE_OF[reason];
}

/** A token failure with the given reason. */
export function tokenError(reason: TokenFailure): RoomgateError {
  return new RoomgateError(reason);
}

/** A bad request field; `detail` says what is wrong without echoing the value. */
export function invalidArgument(field: string, detail: string): RoomgateError {
  return new RoomgateError("invalid_argument", { field, detail });
}

/** Longest room name a grant_missing message repeats (LiveKit's own room-name limit). */
export const MAX_ECHOED_ROOM_BYTES = 256;

/** A valid token or caller that lacks the grant the operation needs. */
export function grantMissing(grant: string, room?: string): RoomgateError {
  // The room is the caller's own input; naming it helps, but only a room LiveKit could have
  // (at most 256 bytes) is echoed, so a request cannot blow up the status trailer.
  const where = room && Buffer.byteLength(room) <= MAX_ECHOED_ROOM_BYTES ? ` for room ${JSON.stringify(room)}` : "";
  return new RoomgateError("grant_missing", { grant, detail: `${grant} required${where}` });
}

/** Wraps anything thrown into a RoomgateError; unknown failures become `internal`. */
export function asRoomgateError(err: unknown): RoomgateError {
  return err instanceof RoomgateError ? err : new RoomgateError("internal", { cause: err });
}
