import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, Grant, RoomgateError } from "../../src/client/index.js";
import { API_KEY, CLIENT_CREDENTIAL, startTestServer, T0_MS, type TestServer } from "../support/token-server.js";

// The shared test server's `client`: roomgate/client on the SQLite-backed server with the manual clock.
let s: TestServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-client-e2e-"));
  s = await startTestServer(dir);
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("TestServer.client", () => {
  it("mints at the server's clock and checks grants", async () => {
    const minted = await s.client.tokens.createToken({ claims: { identity: "gw", sip: { call: true } }, ttl: { seconds: 60n }, apiKey: API_KEY }, { credential: CLIENT_CREDENTIAL });
    expect([minted.apiKey, Number(minted.issuedAt!.seconds)]).toEqual([API_KEY, T0_MS / 1000]);
    expect((await s.client.check(minted.token, { require: [Grant.SIP_CALL] })).claims?.identity).toBe("gw");
    const err = await s.client.check(minted.token, { require: [Grant.SIP_ADMIN] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RoomgateError);
    expect([(err as RoomgateError).code, (err as RoomgateError).reason]).toEqual([Code.PERMISSION_DENIED, "grant_missing"]);
  });
});
