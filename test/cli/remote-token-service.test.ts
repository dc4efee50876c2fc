import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTokenService } from "../../src/cli/remote-token-service.js";
import { loadKeyRing, loadServerConfig } from "../../src/config/load-config.js";
import { systemClock } from "../../src/core/clock.js";
import { RoomgateError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/log.js";
import { startServer } from "../../src/server.js";
import type { RunningServer } from "../../src/cli/context.js";
import { harness, payloadOf } from "./cli-harness.js";

// The --server paths against a real roomgate on an ephemeral loopback port.
describe("token … --server against a running roomgate", () => {
  let server: RunningServer;
  let address: string;

  beforeAll(async () => {
    const config = loadServerConfig({
      flags: { dev: true, grpcAddr: "127.0.0.1:0", httpAddr: "127.0.0.1:0", data: "/nonexistent-unused" },
      env: {},
      readFile: () => "",
      makeTempDir: () => "/nonexistent-unused",
    });
    server = await startServer(config, { logger: silentLogger, clock: systemClock, keyRing: loadKeyRing(config.keys, () => "") });
    address = `127.0.0.1:${server.grpcPort}`;
  });

  afterAll(async () => {
    await server?.close();
  });

  function live() {
    const h = harness({ connectTokenService: async (a) => connectTokenService(a, systemClock) });
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

  it("reports a wrong credential and an unknown key as refusals (exit 1)", async () => {
    const h = live();
    expect(await h.run("token", "create", "--server", address, "--credential", "wrong", "--list")).toBe(1);
    expect(h.err()).toContain("roomgate refused: caller_unauthenticated");
    expect(await h.run("token", "create", "--server", address, "--credential", "devclient", "--api-key", "APInope", "--list")).toBe(1);
    expect(h.err()).toContain("invalid_argument");
  });

  it("maps VerifyToken failures to their reason", async () => {
    const remote = connectTokenService(address, systemClock);
    await expect(remote.verifyToken("not.a.token")).rejects.toMatchObject({ reason: "token_malformed" });
    await expect(remote.verifyToken("not.a.token")).rejects.toBeInstanceOf(RoomgateError);
    remote.close();
  });

  it("says when the server cannot be reached", async () => {
    const h = live();
    expect(await h.run("token", "verify", "--server", "127.0.0.1:1", "x.y.z")).toBe(1);
    expect(h.err()).toContain("cannot reach roomgate at 127.0.0.1:1");
  });
});
