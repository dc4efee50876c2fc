import { describe, expect, it } from "vitest";
import {
  ALL_REASONS,
  asRoomgateError,
  codeOf,
  grantMissing,
  invalidArgument,
  RoomgateError,
  tokenError,
  type ErrorCode,
  type Reason,
} from "../../src/core/errors.js";

// Contract §6, written out so that a change to the mapping must change this table too.
const CONTRACT: Record<Reason, ErrorCode> = {
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
  // Beyond §6: a watch stream cut by shutdown, so watchers know to reconnect.
  server_shutting_down: "UNAVAILABLE",
  policy_denied: "PERMISSION_DENIED",
  audit_unavailable: "UNAVAILABLE",
  internal: "INTERNAL",
};

const SECRET_LOOKING = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln";

describe("reasons and codes", () => {
  it("has exactly the contract's reasons", () => {
    expect([...ALL_REASONS].sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  it.each(Object.entries(CONTRACT))("%s maps to %s", (reason, code) => {
    expect(codeOf(reason as Reason)).toBe(code);
    const err = new RoomgateError(reason as Reason);
    expect([err.reason, err.code, err.name]).toEqual([reason, code, "RoomgateError"]);
    expect(err).toBeInstanceOf(Error);
  });

  it("gives every reason a distinct, non-empty public message", () => {
    const messages = ALL_REASONS.map((r) => new RoomgateError(r).message);
    expect(messages.every((m) => m.length > 0)).toBe(true);
    expect(new Set(messages).size).toBe(ALL_REASONS.length);
  });
});

describe("public messages never carry input", () => {
  it.each(ALL_REASONS.map((r) => [r] as const))("%s keeps a cause, and any detail it does not show by design, out of its message", (reason) => {
    const err = new RoomgateError(reason, { cause: new Error(SECRET_LOOKING), detail: reason === "invalid_argument" || reason === "grant_missing" ? "x" : SECRET_LOOKING });
    expect(err.message).not.toContain(SECRET_LOOKING);
    expect(err.message).not.toContain("c2VjcmV0");
  });

  it("token errors carry only their reason", () => {
    const err = tokenError("token_signature_invalid");
    expect(err.message).toBe("token signature is invalid");
    expect(err.field).toBeUndefined();
    expect(err.grant).toBeUndefined();
    expect(err.cause).toBeUndefined();
  });

  it("invalid_argument names the field and what is wrong, not the value", () => {
    const err = invalidArgument("claims.identity", "is required with a roomJoin grant");
    expect([err.reason, err.code, err.field]).toEqual(["invalid_argument", "INVALID_ARGUMENT", "claims.identity"]);
    expect(err.message).toBe("invalid argument: claims.identity is required with a roomJoin grant");
  });

  it("grant_missing names the grant and the room", () => {
    const err = grantMissing("roomAdmin", "r1");
    expect([err.reason, err.code, err.grant]).toEqual(["grant_missing", "PERMISSION_DENIED", "roomAdmin"]);
    expect(err.message).toBe('permission denied: roomAdmin required for room "r1"');
    expect(grantMissing("roomList").message).toBe("permission denied: roomList required");
    expect(grantMissing("roomJoin", "r".repeat(257)).message).toBe("permission denied: roomJoin required");
    expect(grantMissing("roomJoin", 'a"b\n').message).toBe('permission denied: roomJoin required for room "a\\"b\\n"');
  });
});

describe("asRoomgateError", () => {
  it("passes a RoomgateError through unchanged", () => {
    const err = tokenError("token_expired");
    expect(asRoomgateError(err)).toBe(err);
  });

  it.each([[new Error(SECRET_LOOKING)], [SECRET_LOOKING], [undefined], [{ reason: "token_expired" }]])(
    "turns %j into internal and keeps it only as the cause",
    (thrown) => {
      const err = asRoomgateError(thrown);
      expect([err.reason, err.code, err.message]).toEqual(["internal", "INTERNAL", "internal error"]);
      expect(err.cause).toBe(thrown);
    },
  );
});
