import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTokenService } from "../../src/cli/remote-token-service.js";
import { loadKeyRing, loadServerConfig } from "../../src/config/load-config.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/log.js";
import { startServer } from "../../src/server.js";
import { RemoteCallError, type RunningServer } from "../../src/cli/context.js";
import { harness, payloadOf } from "./cli-harness.js";

// The --server paths against a real roomgate on an ephemeral loopback port.
describe("token … --server against a running roomgate", () => {
  let server: RunningServer;
  let address: string;
  // Its own scratch directory: a fixed path was shared with every other run on the machine.
  const dataDir = mkdtempSync(join(tmpdir(), "roomgate-remote-token-"));

  beforeAll(async () => {
    const config = loadServerConfig({
      flags: { dev: true, grpcAddr: "127.0.0.1:0", httpAddr: "127.0.0.1:0", data: dataDir },
      env: {},
      readFile: () => "",
      makeTempDir: () => dataDir,
    });
    server = await startServer(config, { logger: silentLogger, clock: systemClock, keyRing: loadKeyRing(config.keys, () => "") });
    address = `127.0.0.1:${server.grpcPort}`;
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
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

  it("maps VerifyToken failures to a RemoteCallError with their reason", async () => {
    const remote = connectTokenService(address, systemClock);
    await expect(remote.verifyToken("not.a.token")).rejects.toMatchObject({ reason: "token_malformed", message: "token is malformed" });
    await expect(remote.verifyToken("not.a.token")).rejects.toBeInstanceOf(RemoteCallError);
    remote.close();
  });

  it("says when the server cannot be reached", async () => {
    const h = live();
    expect(await h.run("token", "verify", "--server", "127.0.0.1:1", "x.y.z")).toBe(1);
    expect(h.err()).toBe("roomgate: cannot reach roomgate at 127.0.0.1:1 (UNAVAILABLE)\n");
  });
});
