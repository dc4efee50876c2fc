import { BENCH_API_KEY, BENCH_CLIENT_CREDENTIAL, BENCH_SECRET, BENCH_ROOM, benchBodies } from "./fixture.js";
import type { LoadOptions, LoadSection } from "./grpc-load.js";
import { compareWithH2load, H2LOAD_MISSING, h2loadAvailable, type H2Row, type H2Target } from "./h2load.js";
import { startServerProcess } from "./server-process.js";
import { createHmacKey } from "../src/core/hmac-key.js";
import { mintToken } from "../src/core/minting.js";

// One request per target before the load, checked in full: h2load only counts HTTP statuses.
async function checkTargets(targets: readonly H2Target[]): Promise<void> {
  for (const t of targets) {
    const res = await fetch(t.url, { method: "POST", headers: t.headers, body: new Uint8Array(t.body) });
    const text = await res.text();
    const body = JSON.parse(text) as { token?: string; claims?: { identity?: string }; echoed?: number };
    const ok = res.status === 200 && (body.echoed !== undefined || (body.token ?? "").length > 0 || body.claims?.identity === "alice");
    if (!ok) throw new Error(`${t.name}: probe answered ${res.status} ${text}`);
  }
}

/** Twirp JSON CreateToken and VerifyToken against a bare node:http JSON handler in the same server process, driven by `h2load --h1`. */
export async function runTwirpLoad(opts: LoadOptions): Promise<LoadSection> {
  if (!h2loadAvailable()) return { unavailable: H2LOAD_MISSING };
  const srv = await startServerProcess();
  try {
    const nowSec = Math.floor(Date.now() / 1000);
    const grants = { identity: "alice", name: "Alice", video: { roomJoin: true, room: BENCH_ROOM, canPublish: true, canSubscribe: true } };
    const token = mintToken(createHmacKey(BENCH_API_KEY, BENCH_SECRET), { grants, ttlSeconds: 3600 }, nowSec).token;
    const bodies = benchBodies(token);
    const base = `http://127.0.0.1:${srv.httpPort}/twirp/roomgate.v1.TokenService`;
    const json = { "content-type": "application/json" };
    const targets: H2Target[] = [
      { name: "bare node:http JSON", url: `http://127.0.0.1:${srv.barePort}/`, body: Buffer.from(bodies.verifyJson), headers: json },
      { name: "Twirp CreateToken", url: `${base}/CreateToken`, body: Buffer.from(bodies.createJson), headers: { ...json, authorization: `Bearer ${BENCH_CLIENT_CREDENTIAL}` } },
      { name: "Twirp VerifyToken", url: `${base}/VerifyToken`, body: Buffer.from(bodies.verifyJson), headers: json },
    ];
    await checkTargets(targets);
    const rows: H2Row[] = [];
    for (const inFlight of opts.inFlight) rows.push(...(await compareWithH2load(srv, targets, { ...opts, inFlight, h1: true })));
    return { rows };
  } finally {
    await srv.close();
  }
}
