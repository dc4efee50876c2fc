import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerMetadata, callUnary } from "../../src/transport/grpc-adapter.js";
import { CreateTokenRequestSchema, TokenService } from "../../gen/roomgate/v1/token_service_pb.js";
import { sample } from "../support/metrics-text.js";
import { hs256 } from "../support/raw-tokens.js";
import { grpcOutcome, participantCalls, twirpCall } from "../support/participant-calls.js";
import { API_KEY, API_SECRET, CLIENT_CREDENTIAL, T0_MS, startTestServer, type TestServer } from "../support/token-server.js";

const NOW = T0_MS / 1000;
const ROOM = "metrics-room-name";
const sign = (payload: Record<string, unknown>): string => hs256({ iss: API_KEY, iat: NOW, nbf: NOW, exp: NOW + 3600, ...payload }, API_SECRET);
const joinTokenFor = (identity: string): string => sign({ sub: identity, video: { roomJoin: true, room: ROOM } });
const ADMIN = sign({ sub: "metrics-admin-identity", video: { roomAdmin: true, room: ROOM } });
const TS = "roomgate.v1.TokenService";
const PS = "roomgate.v1.ParticipantService";

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
}

describe("metrics of a running server after a known mix of calls", () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "roomgate-metrics-"));
    s = await startTestServer(dir);
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts requests by transport, method, code and reason, mints by client, streams and participants", async () => {
    const calls = participantCalls(s.participantClient, s.tokenClient);
    const url = `http://127.0.0.1:${s.server.httpPort}/metrics`;
    // gRPC: 3 VerifyToken OK, 2 expired; 2 CreateToken OK, 1 wrong credential; 2 joins; 1 update; 1 denied update.
    for (const id of ["a", "b", "c"]) await calls.verify({ token: joinTokenFor(id) });
    for (let i = 0; i < 2; i++) await grpcOutcome(calls.verify({ token: sign({ sub: "x", exp: NOW - 600 }) }));
    const mint = (credential: string) => callUnary(s.tokenClient, TokenService.method.createToken,
      create(CreateTokenRequestSchema, { claims: { identity: "m", video: { roomJoin: true, room: ROOM } } }), bearerMetadata(credential));
    await mint(CLIENT_CREDENTIAL);
    await mint(CLIENT_CREDENTIAL);
    await grpcOutcome(mint("wrong"));
    await calls.join(joinTokenFor("alice"));
    await calls.join(joinTokenFor("bob"));
    await calls.update({ room: ROOM, identity: "alice", metadata: "m" }, ADMIN);
    await grpcOutcome(calls.update({ room: ROOM, identity: "alice", metadata: "m" }, joinTokenFor("alice")));
    // Twirp: 1 VerifyToken OK, 1 CreateToken OK.
    await twirpCall(s.twirpUrl, TS, "VerifyToken", { token: joinTokenFor("d") });
    await twirpCall(s.twirpUrl, TS, "CreateToken", { claims: { identity: "t", video: { roomJoin: true, room: ROOM } } }, CLIENT_CREDENTIAL);
    const watch = calls.watch(ROOM, "alice", ADMIN);
    await watch.next();

    let text = await scrape(url);
    const req = (transport: string, method: string, code: string, reason = "") =>
      sample(text, `roomgate_rpc_requests_total{transport="${transport}",method="${method}",code="${code}",reason="${reason}"}`);
    expect({
      verifyOk: req("grpc", `${TS}/VerifyToken`, "OK"),
      verifyExpired: req("grpc", `${TS}/VerifyToken`, "UNAUTHENTICATED", "token_expired"),
      createOk: req("grpc", `${TS}/CreateToken`, "OK"),
      createDenied: req("grpc", `${TS}/CreateToken`, "UNAUTHENTICATED", "caller_unauthenticated"),
      joins: req("grpc", `${PS}/JoinRoom`, "OK"),
      updates: req("grpc", `${PS}/UpdateParticipant`, "OK"),
      updateDenied: req("grpc", `${PS}/UpdateParticipant`, "PERMISSION_DENIED", "grant_missing"),
      twirpVerify: req("twirp", `${TS}/VerifyToken`, "OK"),
      twirpCreate: req("twirp", `${TS}/CreateToken`, "OK"),
      verifyDurations: sample(text, `roomgate_rpc_duration_seconds_count{transport="grpc",method="${TS}/VerifyToken"}`),
      minted: sample(text, 'roomgate_tokens_minted_total{client="test"}'),
      watchStreams: sample(text, "roomgate_watch_streams"),
      active: sample(text, "roomgate_participants_active"),
      storeUp: sample(text, "roomgate_store_up"),
    }).toEqual({
      verifyOk: 3, verifyExpired: 2, createOk: 2, createDenied: 1, joins: 2, updates: 1, updateDenied: 1, twirpVerify: 1, twirpCreate: 1,
      verifyDurations: 5, minted: 3, watchStreams: 1, active: 2, storeUp: 1,
    });
    expect(text).toContain("process_resident_memory_bytes");
    // No label carries a room, an identity or a token.
    for (const secret of [ROOM, "alice", "metrics-admin-identity", "eyJ"]) expect(text).not.toContain(secret);

    watch.cancel();
    await calls.remove(ROOM, "bob", false, ADMIN);
    // The server learns of the cancel asynchronously; scrape until it has (bounded, generous).
    const deadline = Date.now() + 15_000;
    for (text = await scrape(url); sample(text, "roomgate_watch_streams") !== 0 && Date.now() < deadline; text = await scrape(url)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sample(text, "roomgate_watch_streams")).toBe(0);
    expect(sample(text, "roomgate_participants_active")).toBe(1);
  });
});

describe("metrics settings", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "roomgate-metrics-cfg-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("metrics: false turns the endpoint off", async () => {
    const s = await startTestServer(join(dir, "off"), { metrics: false });
    try {
      const res = await fetch(`http://127.0.0.1:${s.server.httpPort}/metrics`);
      expect(res.status).toBe(404);
      expect(s.server.metricsPort).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it("metrics_addr serves /metrics on its own address, and the HTTP port no longer does", async () => {
    const s = await startTestServer(join(dir, "apart"), { metricsAddr: "127.0.0.1:0" });
    try {
      expect(s.server.metricsPort).toBeGreaterThan(0);
      expect(s.server.metricsPort).not.toBe(s.server.httpPort);
      expect(await scrape(`http://127.0.0.1:${s.server.metricsPort}/metrics`)).toContain("roomgate_store_up 1");
      expect((await fetch(`http://127.0.0.1:${s.server.httpPort}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${s.server.metricsPort}/other`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
