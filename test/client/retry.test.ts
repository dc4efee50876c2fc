import { create, type DescMessage, type DescMethod, type MessageShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { roomgateClientOn } from "../../src/client/client.js";
import { Code, RoomgateError } from "../../src/client/errors.js";
import type { Transport } from "../../src/client/transport.js";

// A transport that fails with `failures` in turn, then answers with an empty response, and counts the calls per method.
function flaky(failures: RoomgateError[]): Transport & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  let left = [...failures];
  return {
    address: "flaky",
    calls,
    async unary(method: DescMethod): Promise<MessageShape<DescMessage>> {
      calls.set(method.name, (calls.get(method.name) ?? 0) + 1);
      const next = left.shift();
      if (next) throw next;
      left = [...failures];
      return create(method.output);
    },
    stream: () => { throw new Error("unused"); },
    close: () => {},
  };
}

const unavailable = () => new RoomgateError(Code.UNAVAILABLE, "store_unavailable", "store unavailable");
const fast = { attempts: 4, initialBackoffMs: 1, maxBackoffMs: 2 };

describe("retry of UNAVAILABLE", () => {
  it("retries the idempotent methods until they succeed", async () => {
    const t = flaky([unavailable(), unavailable()]);
    const c = roomgateClientOn(t, { retry: fast });
    await c.tokens.verifyToken({ token: "t" });
    await c.participants.getParticipant({ room: "r", identity: "i" });
    await c.participants.listParticipants({ room: "r" });
    await c.participants.refreshToken({ token: "t" });
    await c.check("t");
    expect(Object.fromEntries(t.calls)).toEqual({ VerifyToken: 6, GetParticipant: 3, ListParticipants: 3, RefreshToken: 3 });
  });

  it("never retries CreateToken or a write unless the call opts in", async () => {
    for (const call of [
      (c: ReturnType<typeof roomgateClientOn>) => c.tokens.createToken({}),
      (c: ReturnType<typeof roomgateClientOn>) => c.participants.joinRoom({ token: "t" }),
      (c: ReturnType<typeof roomgateClientOn>) => c.participants.updateParticipant({ room: "r", identity: "i" }),
      (c: ReturnType<typeof roomgateClientOn>) => c.participants.removeParticipant({ room: "r", identity: "i" }),
    ]) {
      const t = flaky([unavailable()]);
      const err = await call(roomgateClientOn(t, { retry: fast })).catch((e: unknown) => e);
      expect((err as RoomgateError).reason).toBe("store_unavailable");
      expect([...t.calls.values()]).toEqual([1]);
    }
    const t = flaky([unavailable()]);
    await roomgateClientOn(t, { retry: fast }).tokens.createToken({}, { retry: true });
    expect(t.calls.get("CreateToken")).toBe(2);
  });

  it("gives up after the attempts, and retries nothing but UNAVAILABLE", async () => {
    const t = flaky([unavailable(), unavailable(), unavailable(), unavailable(), unavailable()]);
    const err = await roomgateClientOn(t, { retry: fast }).tokens.verifyToken({ token: "t" }).catch((e: unknown) => e);
    expect([(err as RoomgateError).code, t.calls.get("VerifyToken")]).toEqual([Code.UNAVAILABLE, 4]);
    const wrongPort = flaky([new RoomgateError(Code.UNAVAILABLE, "wrong_protocol", "speaks HTTP/1.1")]);
    await roomgateClientOn(wrongPort, { retry: fast }).tokens.verifyToken({ token: "t" }).catch(() => undefined);
    expect(wrongPort.calls.get("VerifyToken")).toBe(1);
    const denied = flaky([new RoomgateError(Code.UNAUTHENTICATED, "token_revoked", "revoked")]);
    await roomgateClientOn(denied, { retry: fast }).tokens.verifyToken({ token: "t" }).catch(() => undefined);
    expect(denied.calls.get("VerifyToken")).toBe(1);
  });

  it("retry: false turns it off", async () => {
    const t = flaky([unavailable()]);
    await roomgateClientOn(t, { retry: false }).tokens.verifyToken({ token: "t" }).catch(() => undefined);
    expect(t.calls.get("VerifyToken")).toBe(1);
  });
});
