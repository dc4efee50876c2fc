import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { Code, RoomgateError } from "../../src/client/errors.js";
import { grpcFailure } from "../../src/client/grpc-transport.js";
import { REASON_METADATA_KEY } from "../../src/transport/status.js";

function serviceError(code: grpc.status, details: string, reason?: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (reason !== undefined) metadata.set(REASON_METADATA_KEY, reason);
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

describe("grpcFailure (every gRPC failure of roomgate/client)", () => {
  it("keeps the server's code, reason and public message", () => {
    for (const [code, reason, details] of [
      [grpc.status.UNAUTHENTICATED, "token_expired", "token has expired"],
      [grpc.status.UNAUTHENTICATED, "caller_unauthenticated", "caller credentials are missing or invalid"],
      [grpc.status.NOT_FOUND, "participant_not_found", "participant not found"],
    ] as const) {
      const e = grpcFailure(serviceError(code, details, reason), "h:1");
      expect(e).toBeInstanceOf(RoomgateError);
      expect([e.code, e.reason, e.message]).toEqual([code, reason, details]);
    }
  });

  it("falls back to the reason when the server sent no message, and strips control characters", () => {
    expect(grpcFailure(serviceError(grpc.status.NOT_FOUND, "", "participant_not_found"), "h:1").message).toBe("participant_not_found");
    expect(grpcFailure(serviceError(grpc.status.PERMISSION_DENIED, "denied\u001b[2J here", "grant_missing"), "h:1").message).toBe("denied [2J here");
  });

  it("ignores a reason trailer that is not roomgate's shape: the status name stands in", () => {
    const e = grpcFailure(serviceError(grpc.status.INTERNAL, "boom", "Not-A-Reason"), "h:1");
    expect([e.code, e.reason, e.message]).toEqual([Code.INTERNAL, "internal", "roomgate at h:1 failed: boom"]);
  });

  it("says when the server cannot be reached or did not answer in time", () => {
    expect(grpcFailure(serviceError(grpc.status.UNAVAILABLE, "x"), "h:1")).toMatchObject({ code: Code.UNAVAILABLE, reason: "unavailable", message: "cannot reach roomgate at h:1" });
    expect(grpcFailure(serviceError(grpc.status.DEADLINE_EXCEEDED, "x"), "h:1")).toMatchObject({ code: Code.DEADLINE_EXCEEDED, reason: "deadline_exceeded", message: "roomgate at h:1 did not answer in time" });
  });

  it("passes its own errors through and wraps anything else as internal", () => {
    const already = new RoomgateError(Code.NOT_FOUND, "participant_not_found", "participant not found");
    expect(grpcFailure(already, "h:1")).toBe(already);
    expect(grpcFailure(new Error("plain"), "h:1")).toMatchObject({ code: Code.INTERNAL, reason: "internal", message: "roomgate client: plain" });
  });
});
