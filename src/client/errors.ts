/** gRPC status codes, as numbers, for comparing with `RoomgateError.code`. */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A numeric gRPC status code. */
export type Code = (typeof Code)[keyof typeof Code];

const NAMES = new Map<number, string>(Object.entries(Code).map(([name, code]) => [code, name.toLowerCase()]));

/** The lowercase name of a status code (`unavailable`), the reason of a failure the server did not explain. */
export function codeName(code: number): string {
  return NAMES.get(code) ?? "unknown";
}

/**
 * A failed roomgate call. `code` is the gRPC status (also for Twirp calls);
 * `reason` is roomgate's stable reason (`token_revoked`, `grant_missing`, …),
 * or, when the call never reached roomgate, the status name (`unavailable`,
 * `deadline_exceeded`, `cancelled`).
 */
export class RoomgateError extends Error {
  override readonly name = "RoomgateError";
  constructor(
    /** The numeric gRPC status code (see `Code`). */
    readonly code: Code,
    /** roomgate's reason, else the status name. */
    readonly reason: string,
    message: string,
    /** The request field at fault, for `invalid_argument`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

// Twirp's error codes (twirp spec v7) as gRPC codes.
const TWIRP_CODES: Record<string, Code> = {
  canceled: Code.CANCELLED,
  unknown: Code.UNKNOWN,
  invalid_argument: Code.INVALID_ARGUMENT,
  malformed: Code.INVALID_ARGUMENT,
  deadline_exceeded: Code.DEADLINE_EXCEEDED,
  not_found: Code.NOT_FOUND,
  bad_route: Code.UNIMPLEMENTED,
  already_exists: Code.ALREADY_EXISTS,
  permission_denied: Code.PERMISSION_DENIED,
  unauthenticated: Code.UNAUTHENTICATED,
  resource_exhausted: Code.RESOURCE_EXHAUSTED,
  failed_precondition: Code.FAILED_PRECONDITION,
  aborted: Code.ABORTED,
  out_of_range: Code.OUT_OF_RANGE,
  unimplemented: Code.UNIMPLEMENTED,
  internal: Code.INTERNAL,
  unavailable: Code.UNAVAILABLE,
  dataloss: Code.DATA_LOSS,
};

/** The gRPC code of a Twirp error code (`unknown` for one Twirp does not define). */
export function twirpCodeToGrpc(code: string): Code {
  return Object.hasOwn(TWIRP_CODES, code) ? TWIRP_CODES[code]! : Code.UNKNOWN;
}

// Reasons are lowercase words (roomgate's contract); a trailer of another shape did not come from roomgate.
const REASON_SHAPE = /^[a-z][a-z0-9_]{0,63}$/;

/** The server's reason when it has roomgate's shape, else the status name. */
export function reasonOr(reason: unknown, code: Code): string {
  return typeof reason === "string" && REASON_SHAPE.test(reason) ? reason : codeName(code);
}

/** Strips control characters so a foreign server's message cannot drive a terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim();
}
