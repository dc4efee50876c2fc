import * as grpc from "@grpc/grpc-js";
import { asRoomgateError, type ErrorCode, type RoomgateError } from "../core/errors.js";
import type { Logger } from "../log.js";

/** Trailer carrying the stable reason of a failure. */
export const REASON_METADATA_KEY = "roomgate-reason";
/** Trailer naming the request field at fault. */
export const FIELD_METADATA_KEY = "roomgate-field";

const GRPC_CODE: Record<ErrorCode, grpc.status> = {
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  INTERNAL: grpc.status.INTERNAL,
};

/** Twirp error codes roomgate emits, with Twirp's HTTP statuses. */
export const TWIRP_STATUS = {
  unauthenticated: 401,
  permission_denied: 403,
  invalid_argument: 400,
  malformed: 400,
  not_found: 404,
  bad_route: 404,
  unavailable: 503,
  resource_exhausted: 429,
  internal: 500,
} as const;
/** A Twirp error code roomgate emits. */
export type TwirpCode = keyof typeof TWIRP_STATUS;

const TWIRP_CODE: Record<ErrorCode, TwirpCode> = {
  UNAUTHENTICATED: "unauthenticated",
  PERMISSION_DENIED: "permission_denied",
  INVALID_ARGUMENT: "invalid_argument",
  NOT_FOUND: "not_found",
  UNAVAILABLE: "unavailable",
  RESOURCE_EXHAUSTED: "resource_exhausted",
  INTERNAL: "internal",
};

/**
 * Which status table a Twirp route answers with: roomgate's own (contract §6), or LiveKit's,
 * whose RoomService answers a caller without the needed grant 401 `unauthenticated`, not 403.
 */
export type TwirpErrorTable = "roomgate" | "livekit";

const LIVEKIT_TWIRP_CODE: Record<ErrorCode, TwirpCode> = { ...TWIRP_CODE, PERMISSION_DENIED: "unauthenticated" };

/** A Twirp error body. */
export interface TwirpErrorBody {
  code: TwirpCode;
  msg: string;
  meta?: Record<string, string>;
}

// Internal failures are logged with their cause here, once; the wire only sees the fixed text.
function normalise(err: unknown, log: Logger, method: string): RoomgateError {
  const e = asRoomgateError(err);
  // Only failures an operator must look at are logged; a stream ended by our own shutdown is not one.
  if (e.reason === "internal" || e.reason === "store_unavailable") log.error("call failed", { method, reason: e.reason, cause: e.cause ?? err });
  return e;
}

/** Maps any thrown value to a gRPC status with the reason in the trailers. */
export function toGrpcStatus(err: unknown, log: Logger, method: string): grpc.StatusObject {
  const e = normalise(err, log, method);
  const metadata = new grpc.Metadata();
  metadata.set(REASON_METADATA_KEY, e.reason);
  if (e.field) metadata.set(FIELD_METADATA_KEY, e.field);
  return { code: GRPC_CODE[e.code], details: e.message, metadata };
}

/** Maps any thrown value to a Twirp error body and HTTP status; the reason stays roomgate's whichever table. */
export function toTwirpError(err: unknown, log: Logger, method: string, table: TwirpErrorTable = "roomgate"): { status: number; body: TwirpErrorBody } {
  const e = normalise(err, log, method);
  const code = (table === "livekit" ? LIVEKIT_TWIRP_CODE : TWIRP_CODE)[e.code];
  const meta: Record<string, string> = { reason: e.reason };
  if (e.field) meta.argument = e.field;
  return { status: TWIRP_STATUS[code], body: { code, msg: e.message, meta } };
}
