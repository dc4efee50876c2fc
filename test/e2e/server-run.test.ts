import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoomgateClient, type RoomgateClient } from "../../src/client/client.js";
import { hashCredential } from "../../src/core/credentials.js";
import { ParticipantService } from "../../gen/roomgate/v1/participant_service_pb.js";
import { TokenService, type CreateTokenRequestSchema, type CreateTokenResponse } from "../../gen/roomgate/v1/token_service_pb.js";
import { insecureClientFor } from "../support/grpc-client.js";
import { hs256 } from "../support/raw-tokens.js";
import { clientOver, grpcOutcome, participantCalls, twirpCall } from "../support/participant-calls.js";
import { spawnServer, type ServerProcess } from "../support/subprocess-server.js";
import { waitFor } from "../support/wait-for.js";

// One real `roomgate serve` process, driven through a full run: every kind of call, refusals,
// log rotation and policy reloads on SIGHUP, then SIGTERM. Its log and audit file are checked line by line.
const API_KEY = "APIrun";
const API_SECRET = "run-secret-0123456789-0123456789-abcdefgh";
const CREDENTIAL = "web-backend-credential-value";
const ROOM = "app-1";

const config = (grants: string): string => `keys:
  ${API_KEY}: ${API_SECRET}
clients:
  - name: web-backend
    sha256: ${hashCredential(CREDENTIAL)}
    policy:
      rooms: ["app-*"]
      grants: ${grants}
      max_ttl: 2h
`;

let dir: string;
let srv: ServerProcess;
let tokens: grpc.Client;
let participants: grpc.Client;
let client: RoomgateClient;
const secrets: string[] = [API_SECRET, CREDENTIAL];

const now = (): number => Math.floor(Date.now() / 1000);
const sign = (payload: Record<string, unknown>): string => {
  const t = hs256({ iss: API_KEY, iat: now(), nbf: now(), exp: now() + 3600, ...payload }, API_SECRET);
  secrets.push(t);
  return t;
};
async function createToken(req: MessageInitShape<typeof CreateTokenRequestSchema>, credential = CREDENTIAL): Promise<CreateTokenResponse> {
  const res = await client.tokens.createToken(req, { credential });
  secrets.push(res.token);
  return res;
}
const logLines = (): Record<string, unknown>[] => srv.stderr().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
const auditOf = (path: string): Record<string, unknown>[] => readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-run-"));
  writeFileSync(join(dir, "roomgate.yaml"), config("[roomJoin, canPublish, canSubscribe, canPublishData]"));
  srv = await spawnServer([
    "serve", "--config", join(dir, "roomgate.yaml"), "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
    "--data", join(dir, "data"), "--audit-log", join(dir, "audit.log"),
  ], 30_000, { ROOMGATE_LOG_LEVEL: "debug" });
  tokens = insecureClientFor(TokenService, `127.0.0.1:${srv.grpcPort}`);
  participants = insecureClientFor(ParticipantService, `127.0.0.1:${srv.grpcPort}`);
  client = clientOver(tokens);
}, 40_000);
afterAll(async () => {
  tokens?.close();
  participants?.close();
  await srv?.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("a full server run", () => {
  it("policies apply, and SIGHUP reloads them with the clients and reopens the rotated audit log", async () => {
    const admin = { claims: { identity: "ops", video: { roomAdmin: true, room: ROOM } } };
    expect(await grpcOutcome(createToken(admin))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "policy_denied", field: "grants" });

    renameSync(join(dir, "audit.log"), join(dir, "audit.log.1"));
    writeFileSync(join(dir, "roomgate.yaml"), config("[roomAdmin, roomJoin, canPublish, canSubscribe, canPublishData]"));
    srv.child.kill("SIGHUP");
    await waitFor(() => srv.stderr().includes('"msg":"API keys and clients reloaded"'), "the reload");
    expect(existsSync(join(dir, "audit.log"))).toBe(true);
    const minted = await createToken(admin);
    expect(minted.apiKey).toBe(API_KEY);

    expect(auditOf(join(dir, "audit.log.1")).map((l) => [l.event, l.reason])).toEqual([["caller.denied", "policy_denied"]]);
    const fresh = auditOf(join(dir, "audit.log"));
    expect(fresh.map((l) => [l.event, l.outcome])).toEqual([["keys.reload", "allowed"], ["token.create", "allowed"]]);
    expect(fresh[0]).toMatchObject({ api_keys: [API_KEY], clients: ["web-backend"], policies: ["web-backend"] });
    expect(fresh[0]!.instance).toMatch(/^.+:\d+$/);
    expect(fresh[0]!.instance).toBe(`${String(fresh[0]!.instance).split(":")[0]}:${srv.child.pid}`);
  });

  it("a malformed policy stops the reload with file:line and the field; the old policy stays", async () => {
    writeFileSync(join(dir, "roomgate.yaml"), config("[roomAdmin, everything]"));
    srv.child.kill("SIGHUP");
    await waitFor(() => logLines().some((l) => l.level === "error" && String(l.error).includes("is not a grant name")), "the refused reload");
    const refused = logLines().find((l) => l.level === "error" && String(l.error).includes("is not a grant name"))!;
    expect(refused).toMatchObject({ msg: "reload failed; keeping the current API keys and clients" });
    expect(refused.error).toContain(`${join(dir, "roomgate.yaml")}:8: clients[0].policy.grants[1] "everything" is not a grant name`);
    expect((await createToken({ claims: { identity: "ops", video: { roomAdmin: true, room: ROOM } } })).apiKey).toBe(API_KEY);
    await waitFor(() => auditOf(join(dir, "audit.log")).some((l) => l.event === "keys.reload" && l.outcome === "failed"), "the failed reload's audit line");
  });

  it("logs one debug line per request with method, code, reason and duration", async () => {
    expect(await grpcOutcome(createToken({ claims: { identity: "u", video: { roomJoin: true, room: ROOM } } }, "not-the-credential")))
      .toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "caller_unauthenticated" });
    await waitFor(() => logLines().some((l) => l.msg === "request" && l.reason === "caller_unauthenticated"), "the request line");
    const line = logLines().find((l) => l.msg === "request" && l.reason === "caller_unauthenticated")!;
    expect(Object.keys(line).sort()).toEqual(["code", "duration_ms", "level", "method", "msg", "reason", "time", "transport"]);
    expect(line).toMatchObject({ level: "debug", transport: "grpc", method: "roomgate.v1.TokenService/CreateToken", code: "UNAUTHENTICATED" });
    expect(typeof line.duration_ms).toBe("number");
  });

  it("no log line and no audit line carries a token, a secret or a credential, from start to SIGTERM", async () => {
    const calls = participantCalls(participants, tokens);
    const join1 = (await createToken({ claims: { identity: "alice", video: { roomJoin: true, room: ROOM } } })).token;
    const joined = await calls.join(join1);
    secrets.push(joined.token);
    const admin = (await createToken({ claims: { identity: "ops", video: { roomAdmin: true, room: ROOM } } })).token;
    await calls.verify({ token: join1 });
    await grpcOutcome(calls.verify({ token: `${join1}x` }));
    await grpcOutcome(calls.verify({ token: sign({ sub: "bob", exp: now() - 600 }) }));
    await calls.update({ room: ROOM, identity: "alice", metadata: "m", permission: { canPublish: false, canSubscribe: true } }, admin);
    secrets.push((await calls.refresh(join1)).token);
    const watch = calls.watch(ROOM, "alice", admin);
    secrets.push((await watch.next()).token);
    watch.cancel();
    await grpcOutcome(calls.update({ room: ROOM, identity: "alice", metadata: "m" }, join1));
    await twirpCall(`http://127.0.0.1:${srv.httpPort}/twirp`, "livekit.RoomService", "ListParticipants", { room: ROOM }, admin);
    await twirpCall(`http://127.0.0.1:${srv.httpPort}/twirp`, "roomgate.v1.TokenService", "CreateToken", { claims: {} }, "wrong-twirp-credential");
    await calls.remove(ROOM, "alice", true, admin);
    await grpcOutcome(calls.join(join1));
    const scrape = await fetch(`http://127.0.0.1:${srv.httpPort}/metrics`);
    expect(scrape.status).toBe(200);
    await srv.stop("SIGTERM");
    expect(srv.child.exitCode).toBe(0);

    const log = srv.stderr();
    const lines = log.trim().split("\n");
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(logLines().filter((l) => l.msg === "request").length).toBeGreaterThan(10);
    const audit = readFileSync(join(dir, "audit.log"), "utf8") + readFileSync(join(dir, "audit.log.1"), "utf8");
    for (const text of [log, audit, srv.stdout()]) {
      for (const secret of [...secrets, "wrong-twirp-credential", "not-the-credential"]) expect(text.includes(secret), secret.slice(0, 12)).toBe(false);
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+/);
      expect(text.toLowerCase()).not.toContain("bearer");
    }
    expect(await scrape.text()).not.toContain("alice");
  });
});

describe("--audit-log -", () => {
  it("writes the audit lines to stdout and nothing else there; the log stays on stderr", async () => {
    const data = mkdtempSync(join(tmpdir(), "roomgate-run-stdout-"));
    const p = await spawnServer(["serve", "--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data", data, "--audit-log", "-"], 30_000);
    const client = createRoomgateClient({ address: `127.0.0.1:${p.grpcPort}`, retry: false });
    try {
      const res = await client.tokens.createToken({ claims: { identity: "a", video: { roomJoin: true, room: "r" } } }, { credential: "devclient" });
      await waitFor(() => p.stdout().includes("\n"), "the audit line on stdout");
      const out = p.stdout().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(out).toMatchObject([{ event: "token.create", outcome: "allowed", caller: { client: "dev" }, api_key: "devkey" }]);
      expect(p.stdout()).not.toContain(res.token);
      expect(p.stderr()).not.toContain('"event":"token.create"');
    } finally {
      client.close();
      await p.stop("SIGTERM");
      rmSync(data, { recursive: true, force: true });
    }
  }, 40_000);
});
