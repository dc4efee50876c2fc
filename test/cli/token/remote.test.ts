import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoomgateClient } from "../../../src/client/client.js";
import { RoomgateError } from "../../../src/client/errors.js";
import { remoteTokenService } from "../../../src/cli/token/remote.js";
import { startTestServer, type TestServer } from "../../../src/testing/index.js";
import { harness, payloadOf } from "../cli-harness.js";

// The --server paths against a real roomgate (roomgate/testing: dev key and client, in-memory store) on loopback.
describe("token … --server against a running roomgate", () => {
  let server: TestServer;
  let address: string;
  beforeAll(async () => {
    server = await startTestServer();
    address = server.grpcAddress;
  });

  afterAll(async () => {
    await server?.stop();
  });

  function live() {
    const h = harness();
    h.clock.set(Date.now());
    return h;
  }

  it("creates a token through CreateToken with the dev client credential", async () => {
    const h = live();
    expect(await h.run("token", "create", "--server", address, "--credential", "devclient", "-i", "alice", "-r", "r", "--join", "--valid-for", "1h", "--json")).toBe(0);
    const out = JSON.parse(h.out()) as { access_token: string; grants: unknown };
    const p = payloadOf(out.access_token);
    expect(p).toMatchObject({ iss: "devkey", sub: "alice", video: { roomJoin: true, room: "r" } });
    expect((p.exp as number) - (p.nbf as number)).toBe(3600);

    const v = live();
    expect(await v.run("token", "verify", "--server", address, out.access_token)).toBe(0);
    expect(JSON.parse(v.out())).toMatchObject({ apiKey: "devkey", identity: "alice" });
  });

  it("prints every refusal as roomgate: <reason>: <message> (exit 1), like the participant commands", async () => {
    const h = live();
    expect(await h.run("token", "create", "--server", address, "--credential", "wrong", "--list")).toBe(1);
    expect(h.err()).toBe("roomgate: caller_unauthenticated: caller credentials are missing or invalid\n");
    const k = live();
    expect(await k.run("token", "create", "--server", address, "--credential", "devclient", "--api-key", "APInope", "--list")).toBe(1);
    expect(k.err()).toMatch(/^roomgate: invalid_argument: invalid argument: api_key .*\n$/);
  });

  it("token verify --server prints a token failure the same way", async () => {
    const h = live();
    expect(await h.run("token", "verify", "--server", address, "not.a.token")).toBe(1);
    expect(h.err()).toBe("roomgate: token_malformed: token is malformed\n");
  });

  it("passes VerifyToken failures on as the client's RoomgateError with their reason", async () => {
    const remote = remoteTokenService(createRoomgateClient({ address }));
    await expect(remote.verifyToken("not.a.token")).rejects.toMatchObject({ reason: "token_malformed", message: "token is malformed" });
    await expect(remote.verifyToken("not.a.token")).rejects.toBeInstanceOf(RoomgateError);
    remote.close();
  });

  it("says when the server cannot be reached", async () => {
    const h = live();
    expect(await h.run("token", "verify", "--server", "127.0.0.1:1", "x.y.z")).toBe(1);
    expect(h.err()).toBe("roomgate: unavailable: cannot reach roomgate at 127.0.0.1:1\n");
  });
});
