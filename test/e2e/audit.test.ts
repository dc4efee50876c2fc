import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenSha256 } from "../../src/audit/audit-fields.js";
import { hashCredential, parseCredentialHash } from "../../src/core/credentials.js";
import type { CreateTokenRequestSchema, CreateTokenResponse } from "../../gen/roomgate/v1/token_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { hs256 } from "../support/raw-tokens.js";
import { grpcOutcome, participantCalls, twirpCall, twirpOutcome } from "../support/participant-calls.js";
import { deployment, onEveryInstance, startDeployment, type TestDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, CLIENT_CREDENTIAL, OTHER_KEY, T0_MS, startTestServer, type TestServer } from "../support/token-server.js";

const NOW = T0_MS / 1000;
const TIME = new Date(T0_MS).toISOString();
const ROOM = "r1";
const SIP_CREDENTIAL = "sip-gateway-credential";
const WEB_CREDENTIAL = "web-backend-credential";
const INSTANCE_ID = "audit-test:1";
// Several instances append to the one file here (each line is one append), each naming itself: instance_id-N.
const INSTANCE: unknown = deployment() === "single" ? INSTANCE_ID : expect.stringMatching(/^audit-test:1-[0-9]+$/);

const sign = (payload: Record<string, unknown>): string => hs256({ iss: API_KEY, iat: NOW, nbf: NOW, exp: NOW + 3600, ...payload }, API_SECRET);
const joinTokenFor = (identity: string, extra: Record<string, unknown> = {}): string => sign({ sub: identity, video: { roomJoin: true, room: ROOM }, ...extra });
const ADMIN = sign({ sub: "admin", video: { roomAdmin: true, room: ROOM } });
const CLIENTS = [
  parseCredentialHash("test", hashCredential(CLIENT_CREDENTIAL)),
  { ...parseCredentialHash("sip-gateway", hashCredential(SIP_CREDENTIAL)), policy: { grants: ["sip.call" as const], maxTtlSeconds: 600 } },
  {
    ...parseCredentialHash("web-backend", hashCredential(WEB_CREDENTIAL)),
    policy: { rooms: ["app-*"], identities: ["user-*"], grants: ["roomJoin", "canPublish", "canSubscribe", "canPublishData"] as const, apiKeys: [API_KEY], maxTtlSeconds: 7200 },
  },
];

function createToken(s: TestServer, req: MessageInitShape<typeof CreateTokenRequestSchema>, credential: string): Promise<CreateTokenResponse> {
  return s.client.tokens.createToken(req, { credential });
}

const auditLines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("audit log of a running server", () => {
  let s: TestDeployment;
  let dir: string;
  let path: string;
  let calls: ReturnType<typeof participantCalls>;
  let seen = 0;
  // The lines written since the last call of this function.
  const newLines = (): Record<string, unknown>[] => {
    const all = auditLines(path);
    const out = all.slice(seen);
    seen = all.length;
    return out;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "roomgate-audit-e2e-"));
    path = join(dir, "audit.log");
    s = await startDeployment(join(dir, "data"), { auditLog: path, instanceId: INSTANCE_ID, clients: CLIENTS });
    calls = participantCalls(s.participantClient, s.tokenClient);
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("token.create: caller, room, identity, key, effective grants, expiry and the token's SHA-256, never the token", async () => {
    const res = await createToken(s, { claims: { identity: "alice", video: { roomJoin: true, room: ROOM, canSubscribe: false } }, ttl: { seconds: 3600n } }, CLIENT_CREDENTIAL);
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "token.create", outcome: "allowed", caller: { client: "test" }, room: ROOM, identity: "alice",
      api_key: res.apiKey, grants: ["roomJoin", "canPublish", "canPublishData"], expires_at: new Date((NOW + 3600) * 1000).toISOString(),
      token_sha256: tokenSha256(res.token),
    }]);
    expect(readFileSync(path, "utf8")).not.toContain(res.token);
  });

  it("a wrong client credential is caller.denied caller_unauthenticated for token.create, and mints nothing", async () => {
    expect(await grpcOutcome(createToken(s, { claims: { identity: "x", video: { roomJoin: true, room: ROOM } } }, "wrong-credential")))
      .toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "caller_unauthenticated" });
    expect(newLines()).toEqual([{ time: TIME, instance: INSTANCE, event: "caller.denied", outcome: "denied", reason: "caller_unauthenticated", action: "token.create" }]);
    expect(readFileSync(path, "utf8")).not.toContain("wrong-credential");
  });

  it("a policy refusal is PERMISSION_DENIED policy_denied naming the field, audited as caller.denied; nothing is minted", async () => {
    expect(await grpcOutcome(createToken(s, { claims: { identity: "gw", video: { roomAdmin: true, room: ROOM } } }, SIP_CREDENTIAL)))
      .toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "policy_denied", field: "grants" });
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "caller.denied", outcome: "denied", reason: "policy_denied", action: "token.create",
      caller: { client: "sip-gateway" }, room: ROOM, identity: "gw",
    }]);
  });

  it("the SIP gateway's sip.call token is cut to its max_ttl", async () => {
    const res = await createToken(s, { claims: { identity: "gw", sip: { call: true } }, ttl: { seconds: 7200n } }, SIP_CREDENTIAL);
    expect(Number(res.expiresAt!.seconds) - NOW).toBe(600);
    expect(newLines()).toMatchObject([{ event: "token.create", caller: { client: "sip-gateway" }, grants: ["sip.call"], expires_at: new Date((NOW + 600) * 1000).toISOString() }]);
  });

  it("a later not_before spends the SIP gateway's max_ttl; one past it is policy_denied not_before, audited, nothing minted", async () => {
    const res = await createToken(s, { claims: { identity: "gw", sip: { call: true } }, notBefore: { seconds: BigInt(NOW + 100) } }, SIP_CREDENTIAL);
    expect(Number(res.expiresAt!.seconds) - NOW).toBe(600);
    expect(newLines()).toMatchObject([{ event: "token.create", outcome: "allowed", expires_at: new Date((NOW + 600) * 1000).toISOString() }]);
    expect(await grpcOutcome(createToken(s, { claims: { identity: "gw", sip: { call: true } }, notBefore: { seconds: BigInt(NOW + 365 * 86400) } }, SIP_CREDENTIAL)))
      .toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "policy_denied", field: "not_before" });
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "caller.denied", outcome: "denied", reason: "policy_denied", action: "token.create",
      caller: { client: "sip-gateway" }, identity: "gw",
    }]);
  });

  it("the web backend signs with its listed key and may not name other rooms or keys", async () => {
    const ok = await createToken(s, { claims: { identity: "user-1", video: { roomJoin: true, room: "app-1" } } }, WEB_CREDENTIAL);
    expect(ok.apiKey).toBe(API_KEY);
    expect(Number(ok.expiresAt!.seconds) - NOW).toBe(7200);
    expect(await grpcOutcome(createToken(s, { claims: { identity: "user-1", video: { roomJoin: true, room: "app-1" } }, apiKey: OTHER_KEY }, WEB_CREDENTIAL)))
      .toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "policy_denied", field: "api_key" });
    expect(await grpcOutcome(createToken(s, { claims: { identity: "user-1", video: { roomJoin: true, room: "ops" } } }, WEB_CREDENTIAL)))
      .toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "policy_denied", field: "room" });
    const tw = await twirpCall(s.twirpUrl, "roomgate.v1.TokenService", "CreateToken", { claims: { identity: "bot-1", video: { roomJoin: true, room: "app-1" } } }, WEB_CREDENTIAL);
    expect(twirpOutcome(tw)).toEqual({ status: 403, code: "permission_denied", reason: "policy_denied", argument: "identity" });
    expect(tw.json.msg).toBe("outside the client's minting policy: identity is outside the identities this client may name");
    expect(newLines().map((l) => [l.event, l.reason, l.identity])).toEqual([
      ["token.create", undefined, "user-1"], ["caller.denied", "policy_denied", "user-1"], ["caller.denied", "policy_denied", "user-1"], ["caller.denied", "policy_denied", "bot-1"],
    ]);
  });

  it("participant.join: the joining token's identity and key, its grants and SHA-256", async () => {
    const token = joinTokenFor("alice");
    await calls.join(token);
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "participant.join", outcome: "allowed", caller: { identity: "alice", api_key: API_KEY },
      room: ROOM, identity: "alice", grants: ["roomJoin", "canPublish", "canSubscribe", "canPublishData"], token_sha256: tokenSha256(token),
    }]);
  });

  it("a join that is allowed but then fails gets a second line, outcome failed, and changes nothing", async () => {
    expect(await grpcOutcome(calls.join(joinTokenFor("bob", { name: "n".repeat(300) })))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: "invalid_argument", field: "name" });
    const lines = newLines();
    expect(lines.map((l) => [l.event, l.outcome, l.reason])).toEqual([["participant.join", "allowed", undefined], ["participant.join", "failed", "invalid_argument"]]);
    expect(await grpcOutcome(calls.get(ROOM, "bob", ADMIN))).toEqual({ code: grpc.status.NOT_FOUND, reason: "participant_not_found" });
  });

  it("participant.update: permission before and after; name, metadata and attributes as sizes and keys only", async () => {
    await calls.update({
      room: ROOM, identity: "alice", name: "Alice", metadata: "private-metadata", attributes: { role: "host" },
      permission: { canSubscribe: true, canPublish: false, canPublishData: true },
    }, ADMIN);
    const lines = newLines();
    expect(lines).toEqual([{
      time: TIME, instance: INSTANCE, event: "participant.update", outcome: "allowed", caller: { identity: "admin", api_key: API_KEY }, room: ROOM, identity: "alice",
      changes: { permission: { canPublish: { before: true, after: false } }, name: { before_bytes: 0, after_bytes: 5 }, metadata: { before_bytes: 0, after_bytes: 16 }, attributes: { set: { role: 4 } } },
    }]);
    expect(JSON.stringify(lines)).not.toContain("private-metadata");
    expect(JSON.stringify(lines)).not.toContain("host");
  });

  it("an admin token for another room is caller.denied grant_missing for participant.update", async () => {
    const other = sign({ sub: "mallory", video: { roomAdmin: true, room: "elsewhere" } });
    expect(await grpcOutcome(calls.update({ room: ROOM, identity: "alice", metadata: "x" }, other))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "caller.denied", outcome: "denied", reason: "grant_missing", action: "participant.update",
      caller: { identity: "mallory", api_key: API_KEY }, room: ROOM, identity: "alice",
    }]);
  });

  it("a valid token without roomJoin is caller.denied grant_missing for participant.join, naming the caller", async () => {
    const noJoin = sign({ sub: "mallory", video: { roomAdmin: true, room: ROOM } });
    expect(await grpcOutcome(calls.join(noJoin))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: "grant_missing" });
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "caller.denied", outcome: "denied", reason: "grant_missing", action: "participant.join",
      caller: { identity: "mallory", api_key: API_KEY }, room: ROOM, identity: "mallory",
    }]);
  });

  it("the LiveKit route audits too: participant.remove with revoke_tokens and the watermark", async () => {
    await calls.join(joinTokenFor("carol"));
    newLines();
    const r = await twirpCall(s.twirpUrl, "livekit.RoomService", "RemoveParticipant", { room: ROOM, identity: "carol", revoke_token_ts: NOW }, ADMIN);
    expect(twirpOutcome(r)).toEqual({ status: 200 });
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "participant.remove", outcome: "allowed", caller: { identity: "admin", api_key: API_KEY }, room: ROOM, identity: "carol",
      revoke_tokens: true, watermark: NOW,
    }]);
  });

  it("participant.remove over roomgate.v1 records the watermark it sets", async () => {
    await calls.remove(ROOM, "alice", true, ADMIN);
    expect(newLines()).toEqual([{
      time: TIME, instance: INSTANCE, event: "participant.remove", outcome: "allowed", caller: { identity: "admin", api_key: API_KEY }, room: ROOM, identity: "alice",
      revoke_tokens: true, watermark: NOW,
    }]);
    // The revoked token trying to join again is a refused caller (on whichever instance, once each has the watermark).
    await onEveryInstance(s, async (on) => expect((await grpcOutcome(on.verify({ token: joinTokenFor("alice") }))).reason).toBe("token_revoked"));
    expect(await grpcOutcome(calls.join(joinTokenFor("alice")))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" });
    expect(newLines()).toEqual([{ time: TIME, instance: INSTANCE, event: "caller.denied", outcome: "denied", reason: "token_revoked", action: "participant.join" }]);
  });

  it("VerifyToken, RefreshToken, reads and requests for a participant not in the room (update, plain remove) write no line", async () => {
    await calls.verify({ token: joinTokenFor("dave") });
    await calls.join(joinTokenFor("dave"));
    newLines();
    await calls.refresh(joinTokenFor("dave"));
    await calls.get(ROOM, "dave", ADMIN);
    await calls.list(ROOM, ADMIN);
    expect(await grpcOutcome(calls.update({ room: ROOM, identity: "nobody", metadata: "m" }, ADMIN))).toEqual({ code: grpc.status.NOT_FOUND, reason: "participant_not_found" });
    expect(await grpcOutcome(calls.remove(ROOM, "nobody", false, ADMIN))).toEqual({ code: grpc.status.NOT_FOUND, reason: "participant_not_found" });
    expect(await grpcOutcome(calls.remove(ROOM, "dave", false, ADMIN))).toEqual({ code: grpc.status.OK });
    expect(newLines().map((l) => [l.event, l.outcome, l.identity])).toEqual([["participant.remove", "allowed", "dave"]]);
    expect(await grpcOutcome(calls.remove(ROOM, "dave", false, ADMIN))).toEqual({ code: grpc.status.NOT_FOUND, reason: "participant_not_found" });
    expect(newLines()).toEqual([]);
  });
});

// One instance restarted on the same data directory: a single-instance scenario.
if (deployment() === "single") {
  describe("audit fail-closed on a full disk (/dev/full)", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "roomgate-audit-full-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("CreateToken and every participant-changing call fail UNAVAILABLE audit_unavailable and change nothing", async () => {
      const data = join(dir, "data");
      // A participant to change, joined while the audit log could be written.
      const before = await startTestServer(data, { auditLog: join(dir, "ok.log") });
      await participantCalls(before.participantClient, before.tokenClient).join(joinTokenFor("alice"));
      await before.close();

      const s = await startTestServer(data, { auditLog: "/dev/full" });
      try {
        const calls = participantCalls(s.participantClient, s.tokenClient);
        const unavailable = { code: grpc.status.UNAVAILABLE, reason: "audit_unavailable" };
        expect(await grpcOutcome(createToken(s, { claims: { identity: "a", video: { roomJoin: true, room: ROOM } } }, CLIENT_CREDENTIAL))).toEqual(unavailable);
        expect(await grpcOutcome(calls.join(joinTokenFor("bob")))).toEqual(unavailable);
        expect(await grpcOutcome(calls.update({ room: ROOM, identity: "alice", metadata: "changed", permission: { canPublish: false } }, ADMIN))).toEqual(unavailable);
        expect(await grpcOutcome(calls.remove(ROOM, "alice", true, ADMIN))).toEqual(unavailable);
        const lk = await twirpCall(s.twirpUrl, "livekit.RoomService", "RemoveParticipant", { room: ROOM, identity: "alice" }, ADMIN);
        expect(twirpOutcome(lk)).toEqual({ status: 503, code: "unavailable", reason: "audit_unavailable" });
        const tw = await twirpCall(s.twirpUrl, "roomgate.v1.TokenService", "CreateToken", { claims: { identity: "a", video: { roomJoin: true, room: ROOM } } }, CLIENT_CREDENTIAL);
        expect(twirpOutcome(tw)).toEqual({ status: 503, code: "unavailable", reason: "audit_unavailable" });

        // Nothing changed: bob never joined, alice is active with her old metadata and permission, and her token still verifies.
        expect(await grpcOutcome(calls.get(ROOM, "bob", ADMIN))).toEqual({ code: grpc.status.NOT_FOUND, reason: "participant_not_found" });
        const alice = (await calls.get(ROOM, "alice", ADMIN)).participant!;
        expect({ metadata: alice.metadata, canPublish: alice.permission!.canPublish, version: alice.version }).toEqual({ metadata: "", canPublish: true, version: 1n });
        expect((await calls.verify({ token: joinTokenFor("alice") })).apiKey).toBe(API_KEY);
      } finally {
        await s.close();
      }
    });
  });
}
