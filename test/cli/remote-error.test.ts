import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { RemoteCallError } from "../../src/cli/context.js";
import { remoteCallError } from "../../src/cli/remote-error.js";
import { REASON_METADATA_KEY } from "../../src/transport/status.js";

function serviceError(code: grpc.status, details: string, reason?: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (reason !== undefined) metadata.set(REASON_METADATA_KEY, reason);
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

describe("remoteCallError (shared by the token and participant commands)", () => {
  it("keeps the server's reason and public message, for token reasons as for any other", () => {
    for (const [reason, details] of [["token_expired", "token has expired"], ["caller_unauthenticated", "caller credentials are missing or invalid"], ["participant_not_found", "participant not found"]]) {
      const e = remoteCallError(serviceError(grpc.status.UNAUTHENTICATED, details!, reason), "h:1");
      expect(e).toBeInstanceOf(RemoteCallError);
      expect(e).toMatchObject({ reason, message: details });
    }
  });

  it("falls back to the reason when the server sent no message, and strips control characters", () => {
    expect(remoteCallError(serviceError(grpc.status.NOT_FOUND, "", "participant_not_found"), "h:1")).toMatchObject({ message: "participant_not_found" });
    expect(remoteCallError(serviceError(grpc.status.PERMISSION_DENIED, "denied\u001b[2J here", "grant_missing"), "h:1").message).toBe("denied [2J here");
  });

  it("ignores a reason trailer that is not roomgate's shape", () => {
    const e = remoteCallError(serviceError(grpc.status.INTERNAL, "boom", "Not-A-Reason"), "h:1");
    expect(e).toMatchObject({ reason: undefined, message: "roomgate at h:1 failed: INTERNAL" });
  });

  it("says when the server cannot be reached, and passes other errors through", () => {
    expect(remoteCallError(serviceError(grpc.status.UNAVAILABLE, "x"), "h:1")).toMatchObject({ reason: undefined, message: "cannot reach roomgate at h:1 (UNAVAILABLE)" });
    const plain = new Error("plain");
    expect(remoteCallError(plain, "h:1")).toBe(plain);
    const already = new RemoteCallError("internal", "internal error");
    expect(remoteCallError(already, "h:1")).toBe(already);
  });
});
