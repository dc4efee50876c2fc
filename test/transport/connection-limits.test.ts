import * as http2 from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONNECTION_SETTINGS, type ConnectionSettings } from "../../src/config/server-config.js";
import { grpcConnectionOptions, httpConnectionOptions } from "../../src/transport/connection-limits.js";
import { grpcOutcome } from "../support/participant-calls.js";
import { startTestServer, type TestServer } from "../support/token-server.js";

// Generous: the machine may be loaded; only "closed at all" and "not before the limit" are asserted.
const CLOSE_WITHIN_MS = 10_000;
// Long enough never to interfere with the limit under test.
const LONG = 3_600_000;

let dataDir: string | undefined;
let ts: TestServer | undefined;
const sockets: { destroy(): void }[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await ts?.close();
  ts = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function serve(connections: Partial<ConnectionSettings>): Promise<TestServer> {
  dataDir = mkdtempSync(join(tmpdir(), "roomgate-connections-"));
  ts = await startTestServer(dataDir, { connections: { ...DEFAULT_CONNECTION_SETTINGS, ...connections } });
  return ts;
}

interface Closed {
  afterMs: number;
  data: string;
}

/** A raw TCP connection; `closed` resolves when the server ends it, with what it sent. */
async function rawConnection(port: number, send?: string): Promise<{ socket: net.Socket; closed: Promise<Closed> }> {
  const socket = net.connect(port, "127.0.0.1");
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const start = Date.now();
  let data = "";
  socket.on("data", (c: Buffer) => void (data += c.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = new Promise<Closed>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${CLOSE_WITHIN_MS} ms; received ${JSON.stringify(data)}`)), CLOSE_WITHIN_MS);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ afterMs: Date.now() - start, data });
    });
  });
  if (send !== undefined) socket.write(send);
  return { socket, closed };
}

/** An HTTP/2 session (what a gRPC client holds); `closed` resolves when the server ends it. */
async function h2Session(port: number): Promise<{ session: http2.ClientHttp2Session; closed: Promise<Closed>; settings: Promise<boolean> }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  sockets.push(session);
  session.on("error", () => undefined);
  const start = Date.now();
  const settings = new Promise<boolean>((resolve) => {
    session.once("remoteSettings", () => resolve(true));
    session.once("close", () => resolve(false));
  });
  const closed = new Promise<Closed>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`HTTP/2 session still open after ${CLOSE_WITHIN_MS} ms`)), CLOSE_WITHIN_MS);
    session.once("close", () => {
      clearTimeout(timer);
      resolve({ afterMs: Date.now() - start, data: "" });
    });
  });
  return { session, closed, settings };
}

const GET = "GET /healthz HTTP/1.1\r\nHost: roomgate\r\n\r\n";

describe("HTTP connection timeouts", () => {
  it("closes an idle keep-alive connection after http_idle_timeout", async () => {
    const s = await serve({ httpIdleTimeoutMs: 2000, httpHeaderTimeoutMs: LONG, httpRequestTimeoutMs: LONG });
    const c = await rawConnection(s.server.httpPort, GET);
    const closed = await c.closed;
    // The reply tells keep-alive clients the limit, so they stop reusing the connection first.
    expect(closed.data).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nKeep-Alive: timeout=2\r\n/);
    expect(closed.afterMs).toBeGreaterThanOrEqual(1900);
  });

  it("closes a connection whose headers never complete after http_header_timeout (slowloris)", async () => {
    const s = await serve({ httpHeaderTimeoutMs: 1000, httpRequestTimeoutMs: 1000, httpIdleTimeoutMs: LONG });
    const c = await rawConnection(s.server.httpPort, "GET /healthz HTTP/1.1\r\nHost: roomgate\r\nX-Slow: ");
    const closed = await c.closed;
    expect(closed.data).not.toContain("200 OK");
    expect(closed.afterMs).toBeGreaterThanOrEqual(900);
  });

  it("closes a connection that sends nothing at all after http_header_timeout", async () => {
    const s = await serve({ httpHeaderTimeoutMs: 1000, httpRequestTimeoutMs: 1000, httpIdleTimeoutMs: LONG });
    const c = await rawConnection(s.server.httpPort);
    expect((await c.closed).afterMs).toBeGreaterThanOrEqual(900);
  });

  it("maps the settings onto node:http's options", () => {
    expect(httpConnectionOptions(DEFAULT_CONNECTION_SETTINGS)).toEqual({
      headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 30_000, connectionsCheckingInterval: 2500,
    });
  });
});

describe("gRPC connection timeouts", () => {
  it("closes a connection without calls after grpc_idle_timeout", async () => {
    const s = await serve({ grpcIdleTimeoutMs: 500, grpcKeepaliveTimeMs: LONG });
    const c = await h2Session(s.server.grpcPort);
    expect(await c.settings).toBe(true);
    expect((await c.closed).afterMs).toBeGreaterThanOrEqual(400);
  });

  it("drops a peer that never answers keepalive pings", async () => {
    const s = await serve({ grpcIdleTimeoutMs: LONG, grpcKeepaliveTimeMs: 300, grpcKeepaliveTimeoutMs: 300 });
    // Connected at the TCP level but silent: it never sends the HTTP/2 preface, so never a ping ack either.
    const c = await rawConnection(s.server.grpcPort);
    expect((await c.closed).afterMs).toBeGreaterThanOrEqual(500);
  });

  it("maps the settings onto grpc-js options; a zero connection age means no limit", () => {
    expect(grpcConnectionOptions(DEFAULT_CONNECTION_SETTINGS)).toEqual({
      "grpc.keepalive_time_ms": 60_000, "grpc.keepalive_timeout_ms": 20_000, "grpc.max_connection_idle_ms": 300_000,
    });
    expect(grpcConnectionOptions({ ...DEFAULT_CONNECTION_SETTINGS, grpcMaxConnectionAgeMs: 3_600_000, grpcMaxConnectionAgeGraceMs: 60_000 })).toMatchObject({
      "grpc.max_connection_age_ms": 3_600_000, "grpc.max_connection_age_grace_ms": 60_000,
    });
  });
});

describe("max_connections", () => {
  it("refuses HTTP connections past the cap and accepts again once one closes", async () => {
    const s = await serve({ maxConnections: 2, httpHeaderTimeoutMs: LONG, httpRequestTimeoutMs: LONG, httpIdleTimeoutMs: LONG });
    const port = s.server.httpPort;
    const held = [await rawConnection(port), await rawConnection(port)];
    const refused = await rawConnection(port, GET);
    expect((await refused.closed).data).toBe("");
    held[0]!.socket.destroy();
    await held[0]!.closed;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: "close" } });
    expect([res.status, await res.text()]).toEqual([200, "ok\n"]);
  });

  it("refuses gRPC connections past the cap and accepts again once one closes", async () => {
    const s = await serve({ maxConnections: 2, grpcIdleTimeoutMs: LONG });
    const port = s.server.grpcPort;
    const held = [await h2Session(port), await h2Session(port)];
    expect(await Promise.all(held.map((h) => h.settings))).toEqual([true, true]);
    const refused = await h2Session(port);
    expect(await refused.settings).toBe(false);
    await refused.closed;
    held[0]!.session.destroy();
    await held[0]!.closed;
    // The test server's own client connects now and is answered: a malformed token is refused by the service, not the listener.
    const o = await grpcOutcome(s.client.tokens.verifyToken({ token: "x" }));
    expect([o.code, o.reason]).toEqual([16, "token_malformed"]);
  });
});
