import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/metrics.js";
import { sample } from "../support/metrics-text.js";

describe("createMetrics", () => {
  it("counts calls by transport, method, code and reason, with a duration histogram per method", async () => {
    const m = createMetrics({ participantsActive: async () => 3 });
    const verify = m.meter("grpc", "roomgate.v1.TokenService/VerifyToken");
    verify.done("OK", "", 0.0002);
    verify.done("OK", "", 0.0004);
    verify.done("UNAUTHENTICATED", "token_expired", 0.0001);
    m.meter("twirp", "roomgate.v1.TokenService/VerifyToken").done("OK", "", 0.003);
    const text = await m.render();
    const M = 'method="roomgate.v1.TokenService/VerifyToken"';
    expect(sample(text, `roomgate_rpc_requests_total{transport="grpc",${M},code="OK",reason=""}`)).toBe(2);
    expect(sample(text, `roomgate_rpc_requests_total{transport="grpc",${M},code="UNAUTHENTICATED",reason="token_expired"}`)).toBe(1);
    expect(sample(text, `roomgate_rpc_requests_total{transport="twirp",${M},code="OK",reason=""}`)).toBe(1);
    expect(sample(text, `roomgate_rpc_duration_seconds_count{transport="grpc",${M}}`)).toBe(3);
    expect(sample(text, `roomgate_rpc_duration_seconds_bucket{le="0.00025",transport="grpc",${M}}`)).toBe(2);
    expect(m.contentType).toContain("text/plain");
  });

  it("counts minted tokens per client and open watch streams", async () => {
    const m = createMetrics({ participantsActive: async () => 0 });
    m.tokenMinted("web");
    m.tokenMinted("web");
    m.tokenMinted("sip");
    m.watchStreams(1);
    m.watchStreams(1);
    m.watchStreams(-1);
    const text = await m.render();
    expect(sample(text, 'roomgate_tokens_minted_total{client="web"}')).toBe(2);
    expect(sample(text, 'roomgate_tokens_minted_total{client="sip"}')).toBe(1);
    expect(sample(text, "roomgate_watch_streams")).toBe(1);
  });

  it("reads participants_active and store_up at scrape time; a failing store is store_up 0", async () => {
    let n: number | undefined = 4;
    const m = createMetrics({ participantsActive: async () => (n === undefined ? Promise.reject(new Error("down")) : n) });
    let text = await m.render();
    expect([sample(text, "roomgate_participants_active"), sample(text, "roomgate_store_up")]).toEqual([4, 1]);
    n = undefined;
    text = await m.render();
    expect(sample(text, "roomgate_store_up")).toBe(0);
    n = 1;
    text = await m.render();
    expect([sample(text, "roomgate_participants_active"), sample(text, "roomgate_store_up")]).toEqual([1, 1]);
  });

  it("includes Node's process defaults, and two servers in one process keep separate registries", async () => {
    const a = createMetrics({ participantsActive: async () => 0 });
    const b = createMetrics({ participantsActive: async () => 0 });
    a.tokenMinted("x");
    const text = await b.render();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_heap_size_used_bytes");
    expect(sample(text, 'roomgate_tokens_minted_total{client="x"}')).toBeUndefined();
    expect(sample(await a.render(), 'roomgate_tokens_minted_total{client="x"}')).toBe(1);
  });
});
