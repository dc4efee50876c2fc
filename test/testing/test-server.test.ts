import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, createRoomgateClient, RoomgateError } from "../../src/client/index.js";
import { startTestServer, type TestServer } from "../../src/testing/index.js";

const run = promisify(execFile);
const fixture = fileURLToPath(new URL("./fixtures/no-native.ts", import.meta.url));

describe("startTestServer", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ keys: { APIextra: "an-extra-secret-of-at-least-thirty-two-bytes" }, clients: { sip: "sip-credential" } });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it("returns loopback addresses and the dev key and client", () => {
    expect(srv.grpcAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(srv.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect([srv.apiKey, srv.apiSecret, srv.credential]).toEqual(["devkey", "secret", "devclient"]);
  });

  it("accepts the extra keys and clients next to the dev ones", async () => {
    const client = createRoomgateClient({ address: srv.grpcAddress, credential: "sip-credential" });
    try {
      const minted = await client.tokens.createToken({ claims: { identity: "gw", sip: { call: true } }, apiKey: "APIextra" });
      expect(minted.apiKey).toBe("APIextra");
      expect((await client.check(minted.token)).apiKey).toBe("APIextra");
    } finally {
      client.close();
    }
  });

  it("keeps participants in memory, per server", async () => {
    const other = await startTestServer();
    const a = createRoomgateClient({ address: srv.grpcAddress, credential: srv.credential });
    const b = createRoomgateClient({ address: other.grpcAddress, credential: other.credential });
    try {
      const { token } = await a.tokens.createToken({ claims: { identity: "solo", video: { roomJoin: true, room: "mem" } } });
      await a.participants.joinRoom({ token });
      const admin = (await a.tokens.createToken({ claims: { video: { roomAdmin: true, room: "mem" } } })).token;
      expect((await a.participants.listParticipants({ room: "mem" }, { token: admin })).participants.map((p) => p.identity)).toEqual(["solo"]);
      const err = await b.participants.getParticipant({ room: "mem", identity: "solo" }, { token: admin }).catch((e: unknown) => e);
      expect([(err as RoomgateError).code, (err as RoomgateError).reason]).toEqual([Code.NOT_FOUND, "participant_not_found"]);
    } finally {
      a.close();
      b.close();
      await other.stop();
    }
  });

  it("loads no native module (no better-sqlite3) and lets the process exit after stop()", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", fixture], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ joined: "alice", checked: "alice", nativeAddons: [], sqliteModules: [] });
  }, 90_000);
});
