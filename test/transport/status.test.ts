import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ALL_REASONS, codeOf, RoomgateError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/log.js";
import { toGrpcStatus, toTwirpError } from "../../src/transport/status.js";

const EXPECTED: Record<string, [grpc.status, number, string]> = {
  UNAUTHENTICATED: [grpc.status.UNAUTHENTICATED, 401, "unauthenticated"],
  PERMISSION_DENIED: [grpc.status.PERMISSION_DENIED, 403, "permission_denied"],
  INVALID_ARGUMENT: [grpc.status.INVALID_ARGUMENT, 400, "invalid_argument"],
  NOT_FOUND: [grpc.status.NOT_FOUND, 404, "not_found"],
  UNAVAILABLE: [grpc.status.UNAVAILABLE, 503, "unavailable"],
  RESOURCE_EXHAUSTED: [grpc.status.RESOURCE_EXHAUSTED, 429, "resource_exhausted"],
  INTERNAL: [grpc.status.INTERNAL, 500, "internal"],
};

describe("one error vocabulary mapped to gRPC and Twirp", () => {
  for (const reason of ALL_REASONS) {
    it(reason, () => {
      const [grpcCode, httpStatus, twirpCode] = EXPECTED[codeOf(reason)]!;
      const g = toGrpcStatus(new RoomgateError(reason), silentLogger, "m");
      expect(g.code).toBe(grpcCode);
      expect(g.metadata?.get("roomgate-reason")).toEqual([reason]);
      const t = toTwirpError(new RoomgateError(reason), silentLogger, "m");
      expect([t.status, t.body.code, t.body.meta?.reason]).toEqual([httpStatus, twirpCode, reason]);
    });
  }

  it("anything that is not a RoomgateError becomes INTERNAL with a fixed message, never UNKNOWN", () => {
    const secretish = new Error("db password=hunter2 failed");
    const g = toGrpcStatus(secretish, silentLogger, "m");
    expect([g.code, g.details]).toEqual([grpc.status.INTERNAL, "internal error"]);
    const t = toTwirpError("weird", silentLogger, "m");
    expect([t.status, t.body]).toEqual([500, { code: "internal", msg: "internal error", meta: { reason: "internal" } }]);
  });

  it("logs only what an operator must look at: internal and store failures, not a stream ended by shutdown", () => {
    const logged: string[] = [];
    const log = { ...silentLogger, error: (_msg: string, f?: Record<string, unknown>) => void logged.push(String(f?.reason)) };
    toGrpcStatus(new RoomgateError("server_shutting_down"), log, "m");
    toGrpcStatus(new RoomgateError("token_expired"), log, "m");
    toTwirpError(new RoomgateError("store_unavailable"), log, "m");
    toGrpcStatus(new Error("boom"), log, "m");
    expect(logged).toEqual(["store_unavailable", "internal"]);
  });

  it("invalid_argument carries the field in roomgate-field and meta.argument", () => {
    const err = new RoomgateError("invalid_argument", { field: "claims.identity", detail: "is required" });
    expect(toGrpcStatus(err, silentLogger, "m").metadata?.get("roomgate-field")).toEqual(["claims.identity"]);
    expect(toTwirpError(err, silentLogger, "m").body).toEqual({
      code: "invalid_argument",
      msg: "invalid argument: claims.identity is required",
      meta: { reason: "invalid_argument", argument: "claims.identity" },
    });
  });
});

describe("LiveKit's status table for the livekit.RoomService routes", () => {
  it("answers a missing grant 401 unauthenticated, keeping roomgate's reason", () => {
    const t = toTwirpError(new RoomgateError("grant_missing"), silentLogger, "m", "livekit");
    expect([t.status, t.body.code, t.body.meta?.reason]).toEqual([401, "unauthenticated", "grant_missing"]);
  });

  it("answers every PERMISSION_DENIED reason 401 (LiveKit has no 403) and every other as roomgate's table does", () => {
    for (const reason of ALL_REASONS.filter((r) => r !== "grant_missing")) {
      const ours = toTwirpError(new RoomgateError(reason), silentLogger, "m");
      if (ours.status === 403) {
        expect([reason, toTwirpError(new RoomgateError(reason), silentLogger, "m", "livekit").status]).toEqual([reason, 401]);
        continue;
      }
      const theirs = toTwirpError(new RoomgateError(reason), silentLogger, "m", "livekit");
      expect([reason, theirs.status, theirs.body]).toEqual([reason, ours.status, ours.body]);
    }
  });
});
