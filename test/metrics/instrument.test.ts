import { describe, expect, it } from "vitest";
import { RoomgateError } from "../../src/core/errors.js";
import { createLogger } from "../../src/log.js";
import { instrumentService } from "../../src/metrics/instrument.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { ParticipantService } from "../../gen/roomgate/v1/participant_service_pb.js";
import { TokenService } from "../../gen/roomgate/v1/token_service_pb.js";
import type { CallContext } from "../../src/transport/call-context.js";
import { sample } from "../support/metrics-text.js";

const ctx: CallContext = { signal: new AbortController().signal };

describe("instrumentService", () => {
  it("counts successes and failures by their reason, passing results and errors through unchanged", async () => {
    const metrics = createMetrics({ participantsActive: async () => 0 });
    const err = new RoomgateError("token_revoked");
    let fail = false;
    const impl = instrumentService(TokenService, {
      verifyToken: async () => {
        if (fail) throw err;
        return { $typeName: "roomgate.v1.VerifyTokenResponse", apiKey: "k" } as never;
      },
    }, { transport: "grpc", metrics });
    expect(((await impl.verifyToken({} as never, ctx)) as { apiKey: string }).apiKey).toBe("k");
    fail = true;
    await expect(impl.verifyToken({} as never, ctx)).rejects.toBe(err);
    const text = await metrics.render();
    const M = 'transport="grpc",method="roomgate.v1.TokenService/VerifyToken"';
    expect(sample(text, `roomgate_rpc_requests_total{${M},code="OK",reason=""}`)).toBe(1);
    expect(sample(text, `roomgate_rpc_requests_total{${M},code="UNAUTHENTICATED",reason="token_revoked"}`)).toBe(1);
    expect(impl.createToken).toBeUndefined();
  });

  it("an error that is not roomgate's counts as INTERNAL internal", async () => {
    const metrics = createMetrics({ participantsActive: async () => 0 });
    const impl = instrumentService(TokenService, { verifyToken: async () => Promise.reject(new TypeError("bug")) }, { transport: "twirp", metrics });
    await expect(impl.verifyToken({} as never, ctx)).rejects.toThrow("bug");
    expect(sample(await metrics.render(), 'roomgate_rpc_requests_total{transport="twirp",method="roomgate.v1.TokenService/VerifyToken",code="INTERNAL",reason="internal"}')).toBe(1);
  });

  it("a stream is a watch stream while it is open; one left early by the caller counts as CANCELLED", async () => {
    const metrics = createMetrics({ participantsActive: async () => 0 });
    const impl = instrumentService(ParticipantService, {
      async *watchParticipant() {
        yield { n: 1 } as never;
        yield { n: 2 } as never;
      },
    }, { transport: "grpc", metrics });
    const it1 = impl.watchParticipant({} as never, ctx)[Symbol.asyncIterator]();
    await it1.next();
    expect(sample(await metrics.render(), "roomgate_watch_streams")).toBe(1);
    await it1.return!(undefined);
    const all: unknown[] = [];
    for await (const m of impl.watchParticipant({} as never, ctx)) all.push(m);
    expect(all).toHaveLength(2);
    const text = await metrics.render();
    const M = 'transport="grpc",method="roomgate.v1.ParticipantService/WatchParticipant"';
    expect(sample(text, "roomgate_watch_streams")).toBe(0);
    expect(sample(text, `roomgate_rpc_requests_total{${M},code="CANCELLED",reason=""}`)).toBe(1);
    expect(sample(text, `roomgate_rpc_requests_total{${M},code="OK",reason=""}`)).toBe(1);
  });

  it("with a debug logger, writes one line per call with method, code, reason and duration", async () => {
    const lines: string[] = [];
    const log = createLogger({ level: "debug", now: () => 0, write: (l) => lines.push(l) });
    const impl = instrumentService(TokenService, { verifyToken: async () => Promise.reject(new RoomgateError("token_expired")) }, { transport: "twirp", debugLog: log });
    await expect(impl.verifyToken({} as never, ctx)).rejects.toThrow();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect({ ...line, duration_ms: typeof line.duration_ms }).toEqual({
      time: "1970-01-01T00:00:00.000Z", level: "debug", msg: "request", transport: "twirp",
      method: "roomgate.v1.TokenService/VerifyToken", code: "UNAUTHENTICATED", reason: "token_expired", duration_ms: "number",
    });
  });
});
