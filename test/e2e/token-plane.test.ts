import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateTokenRequestSchema, Grant, TokenService, VerifyTokenRequestSchema, type VerifyTokenRequest,
} from "../../gen/roomgate/v1/token_service_pb.js";
import { bearerMetadata, callUnary } from "../support/grpc-client.js";
import { hs256, rawToken } from "../support/raw-tokens.js";
import { startDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, CLIENT_CREDENTIAL, OTHER_KEY, T0_MS, type TestServer } from "../support/token-server.js";

const NOW = T0_MS / 1000;
let s: TestServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-e2e-"));
  s = await startDeployment(dir);
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const valid = (extra: Record<string, unknown> = {}) =>
  hs256({ iss: API_KEY, sub: "alice", iat: NOW, nbf: NOW, exp: NOW + 3600, video: { roomJoin: true, room: "r1" }, ...extra }, API_SECRET);

interface Failure {
  name: string;
  method: "createToken" | "verifyToken";
  body: Record<string, unknown>;
  credential?: string;
  grpc: grpc.status;
  twirp: [number, string];
  reason: string;
  field?: string;
}

function deepConfig(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) v = { next: v };
  return v;
}

const verify = (token: string, extra: Partial<Record<keyof VerifyTokenRequest, unknown>> = {}) => ({ token, ...extra });

const failures: Failure[] = [
  { name: "malformed token", method: "verifyToken", body: verify("not-a-token"), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_malformed" },
  { name: "empty token", method: "verifyToken", body: verify(""), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_malformed" },
  { name: "too large token", method: "verifyToken", body: verify(valid({ metadata: "x".repeat(1024 * 1024) })), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_malformed" },
  { name: "alg none", method: "verifyToken", body: verify(`${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ iss: API_KEY, exp: NOW + 60 })).toString("base64url")}.`), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_algorithm_not_allowed" },
  { name: "HS512 with the right secret", method: "verifyToken", body: verify(rawToken({ alg: "HS512" }, { iss: API_KEY, exp: NOW + 60 }, API_SECRET, "sha512")), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_algorithm_not_allowed" },
  { name: "unknown key", method: "verifyToken", body: verify(hs256({ iss: "APInope", exp: NOW + 60 }, API_SECRET)), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_unknown_key" },
  { name: "wrong signature", method: "verifyToken", body: verify(hs256({ iss: API_KEY, exp: NOW + 60 }, "some-other-secret-of-sufficient-length")), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_signature_invalid" },
  { name: "expired", method: "verifyToken", body: verify(valid({ exp: NOW - 60 })), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_expired" },
  { name: "not yet valid", method: "verifyToken", body: verify(valid({ nbf: NOW + 61 })), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_not_yet_valid" },
  { name: "no exp", method: "verifyToken", body: verify(hs256({ iss: API_KEY, sub: "alice" }, API_SECRET)), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_missing_expiry" },
  { name: "grant missing", method: "verifyToken", body: verify(valid(), { require: [Grant.SIP_CALL] }), grpc: grpc.status.PERMISSION_DENIED, twirp: [403, "permission_denied"], reason: "grant_missing" },
  { name: "grant for another room", method: "verifyToken", body: verify(valid(), { require: [Grant.ROOM_JOIN], room: "r2" }), grpc: grpc.status.PERMISSION_DENIED, twirp: [403, "permission_denied"], reason: "grant_missing" },
  { name: "publish denied by explicit false", method: "verifyToken", body: verify(valid({ video: { roomJoin: true, room: "r1", canPublish: false } }), { require: [Grant.CAN_PUBLISH_DATA] }), grpc: grpc.status.PERMISSION_DENIED, twirp: [403, "permission_denied"], reason: "grant_missing" },
  { name: "unspecified requirement", method: "verifyToken", body: verify(valid(), { require: [Grant.UNSPECIFIED] }), grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "require" },
  { name: "create without credential", method: "createToken", body: { claims: { identity: "a" } }, grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "caller_unauthenticated" },
  { name: "create with a wrong credential", method: "createToken", credential: "guess", body: { claims: { identity: "a" } }, grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "caller_unauthenticated" },
  { name: "join without identity", method: "createToken", credential: CLIENT_CREDENTIAL, body: { claims: { video: { roomJoin: true, room: "r" } } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "claims.identity" },
  { name: "admin without room", method: "createToken", credential: CLIENT_CREDENTIAL, body: { claims: { video: { roomAdmin: true } } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "claims.video.room" },
  { name: "ttl under a second", method: "createToken", credential: CLIENT_CREDENTIAL, body: { claims: { identity: "a" }, ttl: { nanos: 500_000_000 } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "ttl" },
  { name: "roomConfig verification would refuse", method: "createToken", credential: CLIENT_CREDENTIAL, body: { claims: { identity: "a", roomConfig: deepConfig(40) } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "claims.room_config" },
  { name: "roomConfig with egress storage credentials", method: "createToken", credential: CLIENT_CREDENTIAL, body: { claims: { identity: "a", roomConfig: { egress: { participant: { segmentOutputs: [{ gcp: { credentials: "{}" } }] } } } } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "claims.room_config.egress.participant.segment_outputs[0].gcp.credentials" },
  { name: "expiry past the year 9999", method: "createToken", credential: CLIENT_CREDENTIAL, body: { claims: { identity: "a" }, notBefore: { seconds: 253_402_300_000n } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "not_before" },
  { name: "token time no reply could carry", method: "verifyToken", body: verify(valid({ exp: 3e11 })), grpc: grpc.status.UNAUTHENTICATED, twirp: [401, "unauthenticated"], reason: "token_malformed" },
  { name: "a token verification would refuse as too large", method: "createToken", credential: CLIENT_CREDENTIAL, body: { claims: { identity: "a", metadata: "m".repeat(900_000) } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "claims" },
  { name: "unknown signing key", method: "createToken", credential: CLIENT_CREDENTIAL, body: { apiKey: "APInope", claims: { identity: "a" } }, grpc: grpc.status.INVALID_ARGUMENT, twirp: [400, "invalid_argument"], reason: "invalid_argument", field: "api_key" },
];

const schemaOf = { createToken: CreateTokenRequestSchema, verifyToken: VerifyTokenRequestSchema } as const;
const twirpName = { createToken: "CreateToken", verifyToken: "VerifyToken" } as const;

// Raw calls, not roomgate/client: these check the trailers on the wire, which the client would fill in from the status name were they missing.
describe("every token-plane reason over gRPC", () => {
  for (const f of failures) {
    it(f.name, async () => {
      const req = create(schemaOf[f.method] as typeof VerifyTokenRequestSchema, f.body as never);
      const err = await callUnary(s.tokenClient, TokenService.method[f.method] as typeof TokenService.method.verifyToken, req as never, bearerMetadata(f.credential))
        .then(() => undefined, (e: grpc.ServiceError) => e);
      expect(err?.code).toBe(f.grpc);
      expect(err?.metadata.get("roomgate-reason")).toEqual([f.reason]);
      expect(err?.metadata.get("roomgate-field")).toEqual(f.field ? [f.field] : []);
      expect(err?.details).not.toContain("eyJ");
    });
  }
});

async function twirp(method: string, body: unknown, credential?: string, contentType = "application/json"): Promise<{ status: number; json: any; type: string | null }> {
  const headers: Record<string, string> = { "content-type": contentType };
  if (credential) headers.authorization = `Bearer ${credential}`;
  const res = await fetch(`${s.twirpUrl}/roomgate.v1.TokenService/${method}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), type: res.headers.get("content-type") };
}

describe("every token-plane reason over Twirp", () => {
  for (const f of failures) {
    it(f.name, async () => {
      const req = create(schemaOf[f.method] as typeof VerifyTokenRequestSchema, f.body as never);
      const { toJson } = await import("@bufbuild/protobuf");
      const { status, json, type } = await twirp(twirpName[f.method], toJson(schemaOf[f.method] as typeof VerifyTokenRequestSchema, req as never), f.credential);
      expect(type).toBe("application/json");
      expect([status, json.code]).toEqual(f.twirp);
      expect(json.meta.reason).toBe(f.reason);
      expect(json.meta.argument).toBe(f.field);
      expect(json.msg).not.toContain("eyJ");
    });
  }
});

describe("token plane happy paths", () => {
  it("CreateToken over gRPC signs exactly the claims asked for, exp − nbf = ttl", async () => {
    const res = await s.client.tokens.createToken({
      claims: { identity: "alice", name: "Alice", video: { roomJoin: true, room: "r1", canPublish: false }, sip: { call: true } },
      ttl: { seconds: 3600n },
      apiKey: API_KEY,
    }, { credential: CLIENT_CREDENTIAL });
    expect(res.apiKey).toBe(API_KEY);
    expect(Number(res.expiresAt!.seconds - res.notBefore!.seconds)).toBe(3600);
    const payload = JSON.parse(Buffer.from(res.token.split(".")[1]!, "base64url").toString());
    expect(payload).toEqual({ iss: API_KEY, sub: "alice", name: "Alice", iat: NOW, nbf: NOW, exp: NOW + 3600, video: { roomJoin: true, room: "r1", canPublish: false }, sip: { call: true } });
  });

  it("CreateToken uses the default key and 6 h ttl, capped at 24 h", async () => {
    const as = { credential: CLIENT_CREDENTIAL };
    const plain = await s.client.tokens.createToken({ claims: { identity: "a" } }, as);
    expect(plain.apiKey).toBe([API_KEY, OTHER_KEY].sort()[0]);
    expect(Number(plain.expiresAt!.seconds) - NOW).toBe(6 * 3600);
    const long = await s.client.tokens.createToken({ claims: { identity: "a" }, ttl: { seconds: 7n * 86400n } }, as);
    expect(Number(long.expiresAt!.seconds) - NOW).toBe(24 * 3600);
  });

  it("VerifyToken over Twirp JSON answers with LiveKit's camelCase claim names and keeps tri-state", async () => {
    const token = valid({ video: { roomJoin: true, room: "r1", canPublish: false, canPublishSources: ["camera"] }, kind: "sip" });
    const { status, json } = await twirp("VerifyToken", { token, require: ["GRANT_ROOM_JOIN", "GRANT_CAN_SUBSCRIBE"], room: "r1" });
    expect(status).toBe(200);
    expect(json.apiKey).toBe(API_KEY);
    expect(json.claims.identity).toBe("alice");
    expect(json.claims.kind).toBe("PARTICIPANT_KIND_SIP");
    expect(json.claims.video).toEqual({ roomJoin: true, room: "r1", canPublish: false, canPublishSources: ["TRACK_SOURCE_CAMERA"] });
    expect(json.effectiveVideo).toEqual(json.claims.video);
    expect(json.expiresAt).toBe(new Date((NOW + 3600) * 1000).toISOString().replace(".000Z", "Z"));
  });

  it("Twirp protobuf bodies work", async () => {
    const { toBinary, fromBinary } = await import("@bufbuild/protobuf");
    const { VerifyTokenResponseSchema } = await import("../../gen/roomgate/v1/token_service_pb.js");
    const body = toBinary(VerifyTokenRequestSchema, create(VerifyTokenRequestSchema, { token: valid() }));
    const res = await fetch(`${s.twirpUrl}/roomgate.v1.TokenService/VerifyToken`, { method: "POST", headers: { "content-type": "application/protobuf" }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/protobuf");
    const out = fromBinary(VerifyTokenResponseSchema, new Uint8Array(await res.arrayBuffer()));
    expect(out.claims?.identity).toBe("alice");
  });

  it("Twirp routing errors follow the spec", async () => {
    const get = await fetch(`${s.twirpUrl}/roomgate.v1.TokenService/VerifyToken`);
    expect([get.status, ((await get.json()) as { code: string }).code]).toEqual([404, "bad_route"]);
    const nope = await fetch(`${s.twirpUrl}/roomgate.v1.TokenService/Nope`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect([nope.status, ((await nope.json()) as { code: string }).code]).toEqual([404, "bad_route"]);
    const text = await fetch(`${s.twirpUrl}/roomgate.v1.TokenService/VerifyToken`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect([text.status, ((await text.json()) as { code: string }).code]).toEqual([404, "bad_route"]);
    const bad = await fetch(`${s.twirpUrl}/roomgate.v1.TokenService/VerifyToken`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, "malformed"]);
  });

  it("still serves after the hostile inputs", async () => {
    const res = await s.client.tokens.verifyToken({ token: valid(), require: [Grant.ROOM_JOIN], room: "r1" });
    expect(res.claims?.identity).toBe("alice");
  });
});
