import * as grpc from "@grpc/grpc-js";
import { REASON_METADATA_KEY } from "../transport/status.js";
import { RemoteCallError } from "./context.js";

// Reasons are lowercase words (contract §6); a trailer of another shape did not come from roomgate.
const REASON_SHAPE = /^[a-z][a-z0-9_]*$/;

// The message is printed to a terminal; control characters from a foreign server must not reach it.
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim();
}

/**
 * The one translation of a failed gRPC call for every remote command: the
 * server's reason trailer and its fixed public message, which the CLI prints
 * as `roomgate: <reason>: <message>`; gRPC's own text is never relied on.
 * Anything that is not a gRPC error is passed through.
 */
export function remoteCallError(err: unknown, address: string): Error {
  if (err instanceof RemoteCallError) return err;
  const e = err as Partial<grpc.ServiceError> | undefined;
  if (typeof e?.code !== "number") return err instanceof Error ? err : new Error(String(err));
  const reason = e.metadata?.get(REASON_METADATA_KEY)[0];
  if (typeof reason === "string" && REASON_SHAPE.test(reason)) return new RemoteCallError(reason, printable(e.details ?? "") || reason);
  if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) {
    return new RemoteCallError(undefined, `cannot reach roomgate at ${address} (${grpc.status[e.code]})`);
  }
  return new RemoteCallError(undefined, `roomgate at ${address} failed: ${grpc.status[e.code] ?? e.code}`);
}
