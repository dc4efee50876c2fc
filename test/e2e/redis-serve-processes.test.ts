import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EventCause, ParticipantService } from "../../gen/roomgate/v1/participant_service_pb.js";
import { TokenService } from "../../gen/roomgate/v1/token_service_pb.js";
import { insecureClientFor } from "../support/grpc-client.js";
import { grpcOutcome, participantCalls } from "../support/participant-calls.js";
import { hs256 } from "../support/raw-tokens.js";
import { hasRedisServer, startTestRedis, type TestRedis } from "../support/redis-server.js";
import { spawnServer, type ServerProcess } from "../support/subprocess-server.js";

// Two `roomgate serve --dev --redis` processes on one Redis, driven only through their public gRPC ports.
describe.skipIf(!hasRedisServer)("two roomgate serve processes on one Redis", () => {
  let redis: TestRedis;
  const procs: ServerProcess[] = [];
  const clients: grpc.Client[] = [];
  let a: ReturnType<typeof participantCalls>;
  let b: ReturnType<typeof participantCalls>;

  const connect = (p: ServerProcess) => {
    const addr = `127.0.0.1:${p.grpcPort}`;
    const pc = insecureClientFor(ParticipantService, addr);
    const tc = insecureClientFor(TokenService, addr);
    clients.push(pc, tc);
    return participantCalls(pc, tc);
  };
  // Issued a few seconds ago, so a revocation at "now" covers them.
  const nowSec = () => Math.floor(Date.now() / 1000);
  const joinToken = (identity: string) =>
    hs256({ iss: "devkey", sub: identity, iat: nowSec() - 5, nbf: nowSec() - 5, exp: nowSec() + 3600, video: { roomJoin: true, room: "r" } }, "secret");
  const admin = () => hs256({ iss: "devkey", sub: "admin", iat: nowSec() - 5, nbf: nowSec() - 5, exp: nowSec() + 3600, video: { roomAdmin: true, room: "r" } }, "secret");

  beforeAll(async () => {
    redis = await startTestRedis();
    for (let i = 0; i < 2; i++) {
      procs.push(await spawnServer(["serve", "--dev", "--redis", redis.url, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"]));
    }
    a = connect(procs[0]!);
    b = connect(procs[1]!);
  }, 40_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const p of procs) await p.stop("SIGTERM");
    await redis?.stop();
  });

  it("join on A, update on B: the watcher on A gets the pushed token with the change", async () => {
    const token = joinToken("alice");
    await a.join(token);
    const watch = a.watch("r", "alice", token);
    expect((await watch.next()).cause).toBe(EventCause.REFRESHED);
    await b.update({ room: "r", identity: "alice", metadata: "from-b" }, admin());
    const pushed = await watch.next(5000);
    expect(pushed).toMatchObject({ cause: EventCause.UPDATED, participant: { metadata: "from-b", version: 2n } });
    expect((await a.verify({ token: pushed.token })).claims?.metadata).toBe("from-b");
    watch.cancel();
  });

  it("remove with revoke_tokens on A: the old token is token_revoked on B", async () => {
    const token = joinToken("bob");
    await b.join(token);
    await a.remove("r", "bob", true, admin());
    await vi.waitFor(async () => expect(await grpcOutcome(b.verify({ token }))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: "token_revoked" }), { timeout: 1000, interval: 20 });
  });

  it("acknowledges 200 concurrent updates of one participant spread over both, losing none", async () => {
    await a.join(joinToken("carol"));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => grpcOutcome((i % 2 ? a : b).update({ room: "r", identity: "carol", attributes: { [`k${i}`]: "1" } }, admin()))),
    );
    expect(results.filter((r) => r.code !== grpc.status.OK)).toEqual([]);
    const got = (await b.get("r", "carol", admin())).participant!;
    expect(got.version).toBe(201n);
    expect(Object.keys(got.attributes).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `k${i}`).sort());
  }, 30_000);
});
