import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startClientProcess } from "./client-process.js";
import { BENCH_API_KEY, BENCH_CLIENT_CREDENTIAL, BENCH_SECRET, BENCH_ROOM, benchBodies, startBenchServer } from "./fixture.js";
import { compareTargets, type LoadOptions, type LoadRow } from "./grpc-load.js";
import { createHmacKey } from "../src/core/hmac-key.js";
import { mintToken } from "../src/core/minting.js";

// The least an HTTP JSON endpoint does: read the body, parse it, answer with a small JSON object.
function startBareServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.stringify({ echoed: Object.keys(JSON.parse(Buffer.concat(chunks).toString("utf8")) as object).length });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Twirp JSON CreateToken and VerifyToken against a bare node:http JSON handler in the same process. */
export async function runTwirpLoad(opts: LoadOptions): Promise<LoadRow[]> {
  const bench = await startBenchServer();
  const bare = await startBareServer();
  const client = startClientProcess();
  try {
    const nowSec = Math.floor(Date.now() / 1000);
    const grants = { identity: "alice", name: "Alice", video: { roomJoin: true, room: BENCH_ROOM, canPublish: true, canSubscribe: true } };
    const token = mintToken(createHmacKey(BENCH_API_KEY, BENCH_SECRET), { grants, ttlSeconds: 3600 }, nowSec).token;
    const bodies = benchBodies(token);
    const base = `http://127.0.0.1:${bench.server.httpPort}/twirp/roomgate.v1.TokenService`;
    const json = { "Content-Type": "application/json" };
    return await compareTargets(client, [
      { name: "bare node:http JSON", target: { kind: "http", url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, body: Buffer.from(bodies.verifyJson), headers: json } },
      { name: "Twirp CreateToken", target: { kind: "http", url: `${base}/CreateToken`, body: Buffer.from(bodies.createJson), headers: { ...json, Authorization: `Bearer ${BENCH_CLIENT_CREDENTIAL}` } } },
      { name: "Twirp VerifyToken", target: { kind: "http", url: `${base}/VerifyToken`, body: Buffer.from(bodies.verifyJson), headers: json } },
    ], opts);
  } finally {
    await client.close();
    bare.closeAllConnections();
    await new Promise((resolve) => bare.close(resolve));
    await bench.close();
  }
}
