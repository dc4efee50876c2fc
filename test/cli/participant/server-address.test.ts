import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoomgateClient } from "../../../src/client/client.js";
import { startTestServer, type TestServer } from "../../../src/testing/index.js";
import { harness, type Harness } from "../cli-harness.js";

// Where the participant commands connect: --url/--server, ROOMGATE_SERVER, LIVEKIT_URL; gRPC (HOST:PORT) or Twirp (http://).
let srv: TestServer;
let twirpHostPort: string;

beforeAll(async () => {
  srv = await startTestServer();
  twirpHostPort = srv.httpUrl.replace("http://", "");
  const c = createRoomgateClient({ address: srv.grpcAddress, credential: srv.credential });
  const { token } = await c.tokens.createToken({ claims: { identity: "uma", video: { roomJoin: true, room: "addr-room" } } });
  await c.participants.joinRoom({ token });
  c.close();
});
afterAll(async () => {
  await srv?.stop();
});

function cli(env: Record<string, string> = {}): Harness & { addresses: string[] } {
  const addresses: string[] = [];
  const h = harness({
    env: { LIVEKIT_API_KEY: srv.apiKey, LIVEKIT_API_SECRET: srv.apiSecret, ...env },
    connect: async (o) => (addresses.push(o.address), createRoomgateClient(o)),
  });
  h.clock.set(Date.now());
  return Object.assign(h, { addresses });
}

describe("participant commands: the server address", () => {
  it("--url takes the Twirp URL as lk's --url does, and --server the gRPC HOST:PORT", async () => {
    const twirp = cli();
    expect(await twirp.run("participant", "list", "--url", srv.httpUrl, "--room", "addr-room", "--json")).toBe(0);
    expect((JSON.parse(twirp.out()) as { participants: { identity: string }[] }).participants.map((p) => p.identity)).toEqual(["uma"]);
    const grpc = cli();
    expect(await grpc.run("participant", "get", "--server", srv.grpcAddress, "--room", "addr-room", "uma", "--json")).toBe(0);
    expect(JSON.parse(grpc.out())).toMatchObject({ identity: "uma", joinedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/) });
    expect([twirp.addresses, grpc.addresses]).toEqual([[srv.httpUrl], [srv.grpcAddress]]);
  });

  it("reads LIVEKIT_URL (ws:// as http://), after ROOMGATE_SERVER and the flags", async () => {
    const lk = cli({ LIVEKIT_URL: srv.httpUrl.replace("http://", "ws://") });
    expect(await lk.run("participant", "list", "--room", "addr-room")).toBe(0);
    expect(lk.addresses).toEqual([srv.httpUrl]);
    const both = cli({ LIVEKIT_URL: "http://127.0.0.1:1", ROOMGATE_SERVER: srv.grpcAddress });
    expect(await both.run("participant", "list", "--room", "addr-room")).toBe(0);
    expect(both.addresses).toEqual([srv.grpcAddress]);
    const flag = cli({ LIVEKIT_URL: "http://127.0.0.1:1" });
    expect(await flag.run("participant", "list", "--url", srv.grpcAddress, "--room", "addr-room")).toBe(0);
    expect(flag.addresses).toEqual([srv.grpcAddress]);
  });

  it("--url and --server together are a usage error", async () => {
    const h = cli();
    expect(await h.run("participant", "list", "--url", srv.httpUrl, "--server", srv.grpcAddress, "--room", "r")).toBe(2);
    expect(h.err()).toBe("roomgate: usage: --url and --server name the same thing; pass one\nRun 'roomgate participant list --help' for usage.\n");
  });

  it("the HTTP port given as HOST:PORT says to use its URL or the gRPC port, not 'cannot reach'", async () => {
    const h = cli();
    expect(await h.run("participant", "list", "--url", twirpHostPort, "--room", "addr-room")).toBe(1);
    expect(h.err()).toBe(`roomgate: wrong_protocol: ${twirpHostPort} speaks HTTP/1.1: use http://${twirpHostPort} or the gRPC port\n`);
  });

  it("watch needs the gRPC port and says so over Twirp", async () => {
    const h = cli();
    expect(await h.run("participant", "watch", "--url", srv.httpUrl, "--room", "addr-room", "--identity", "uma")).toBe(1);
    expect(h.err()).toBe("roomgate: unimplemented: WatchParticipant is a stream, which Twirp cannot carry: use roomgate's gRPC address\n");
  });

  it("participant join takes --url too", async () => {
    const c = createRoomgateClient({ address: srv.grpcAddress, credential: srv.credential });
    const { token } = await c.tokens.createToken({ claims: { identity: "vic", video: { roomJoin: true, room: "addr-room" } } });
    c.close();
    const h = cli();
    expect(await h.run("participant", "join", "--url", srv.httpUrl, "--json", token)).toBe(0);
    expect(JSON.parse(h.out())).toMatchObject({ participant: { identity: "vic", state: "active" }, expiresAt: expect.stringMatching(/Z$/) });
  });
});

describe("token commands and LIVEKIT_URL", () => {
  it("token create signs locally even when LIVEKIT_URL is set; only --server goes to a server", async () => {
    const h = cli({ LIVEKIT_URL: srv.httpUrl });
    expect(await h.run("token", "create", "--list", "--token-only")).toBe(0);
    expect(h.addresses).toEqual([]);
    expect(h.err()).toBe("");
  });

  it("token verify --server takes the Twirp URL", async () => {
    const c = createRoomgateClient({ address: srv.grpcAddress, credential: srv.credential });
    const { token } = await c.tokens.createToken({ claims: { identity: "wes", video: { roomJoin: true, room: "r" } } });
    c.close();
    const h = cli();
    expect(await h.run("token", "verify", "--server", srv.httpUrl, token)).toBe(0);
    expect(JSON.parse(h.out())).toMatchObject({ apiKey: "devkey", identity: "wes", expiresAt: expect.stringMatching(/Z$/) });
  });
});
