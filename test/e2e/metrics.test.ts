import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample } from "../support/metrics-text.js";
import { hs256 } from "../support/raw-tokens.js";
import { grpcOutcome, participantCalls, twirpCall } from "../support/participant-calls.js";
import { deployment, startDeployment, type TestDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, CLIENT_CREDENTIAL, T0_MS, startTestServer } from "../support/token-server.js";

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

/** Every instance's /metrics text; a sample's value is summed over them, as a Prometheus `sum` across instances is. */
async function scrapeAll(s: TestDeployment): Promise<{ texts: string[]; sum(name: string): number | undefined }> {
  const texts = await Promise.all(s.instances.map((i) => scrape(`http://127.0.0.1:${i.server.httpPort}/metrics`)));
  return {
    texts,
    sum(name) {
      const values = texts.map((t) => sample(t, name)).filter((v) => v !== undefined);
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
    },
  };
}

describe("metrics of a running server after a known mix of calls", () => {
  let s: TestDeployment;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "roomgate-metrics-"));
    s = await startDeployment(dir);
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts requests by transport, method, code and reason, mints by client, streams and participants", async () => {
    const calls = participantCalls(s.participantClient, s.tokenClient);
    // gRPC: 3 VerifyToken OK, 2 expired; 2 CreateToken OK, 1 wrong credential; 2 joins; 1 update; 1 denied update.
    for (const id of ["a", "b", "c"]) await calls.verify({ token: joinTokenFor(id) });
    for (let i = 0; i < 2; i++) await grpcOutcome(calls.verify({ token: sign({ sub: "x", exp: NOW - 600 }) }));
    const mint = (credential: string) => s.client.tokens.createToken({ claims: { identity: "m", video: { roomJoin: true, room: ROOM } } }, { credential });
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

    let m = await scrapeAll(s);
    const req = (transport: string, method: string, code: string, reason = "") =>
      m.sum(`roomgate_rpc_requests_total{transport="${transport}",method="${method}",code="${code}",reason="${reason}"}`);
    // Participants and store health are shared state: every instance reports the same.
    const each = (name: string) => m.texts.map((t) => sample(t, name));
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
      verifyDurations: m.sum(`roomgate_rpc_duration_seconds_count{transport="grpc",method="${TS}/VerifyToken"}`),
      minted: m.sum('roomgate_tokens_minted_total{client="test"}'),
      watchStreams: m.sum("roomgate_watch_streams"),
      active: each("roomgate_participants_active"),
      storeUp: each("roomgate_store_up"),
    }).toEqual({
      verifyOk: 3, verifyExpired: 2, createOk: 2, createDenied: 1, joins: 2, updates: 1, updateDenied: 1, twirpVerify: 1, twirpCreate: 1,
      verifyDurations: 5, minted: 3, watchStreams: 1, active: s.instances.map(() => 2), storeUp: s.instances.map(() => 1),
    });
    for (const text of m.texts) {
      expect(text).toContain("process_resident_memory_bytes");
      // No label carries a room, an identity or a token.
      for (const secret of [ROOM, "alice", "metrics-admin-identity", "eyJ"]) expect(text).not.toContain(secret);
    }

    watch.cancel();
    await calls.remove(ROOM, "bob", false, ADMIN);
    // The server learns of the cancel asynchronously; scrape until it has (bounded, generous).
    const deadline = Date.now() + 15_000;
    for (m = await scrapeAll(s); m.sum("roomgate_watch_streams") !== 0 && Date.now() < deadline; m = await scrapeAll(s)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(m.sum("roomgate_watch_streams")).toBe(0);
    expect(each("roomgate_participants_active")).toEqual(s.instances.map(() => 1));
  });
});

// Settings of one process's endpoint: a single-instance scenario.
if (deployment() === "single") {
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
}
