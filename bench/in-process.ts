import { createHmac, timingSafeEqual } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { AccessToken, TokenVerifier } from "livekit-server-sdk";
import { encodePayload } from "../src/core/claims-codec.js";
import type { ClaimGrants } from "../src/core/grants.js";
import { createHmacKey } from "../src/core/hmac-key.js";
import { verifyJwt } from "../src/core/jwt.js";
import { mintToken } from "../src/core/minting.js";
import { median, nowNs } from "./stats.js";

/** How long and how often each in-process candidate runs. */
export interface InProcessOptions {
  rounds: number;
  /** Wall time per candidate per round. */
  msPerRound: number;
}

/** Median throughput of one candidate across rounds. */
export interface CandidateResult {
  name: string;
  opsPerSec: number;
}

/** Medians of throughputs and of the per-round ratios for one operation (sign or verify). */
export interface OperationResult {
  op: "sign" | "verify";
  candidates: CandidateResult[];
  /** Median over rounds of roomgate ÷ livekit-server-sdk, both measured in the same round. */
  vsSdk: number;
  /** Median over rounds of roomgate ÷ floor. */
  vsFloor: number;
}

type Op = () => unknown;

interface Candidate {
  name: string;
  run: Op;
  async: boolean;
}

const API_KEY = "APIbench";
const SECRET = "bench-secret-that-is-comfortably-over-32-bytes";
const SECRET_BYTES = Buffer.from(SECRET, "utf8");
const TTL = 3600;

/** The claims every signer and verifier in this file handles. */
export const BENCH_GRANTS: ClaimGrants = {
  identity: "alice",
  name: "Alice",
  video: { roomJoin: true, room: "bench-room", canPublish: true, canSubscribe: true },
};

// Every result feeds this, so no call can be optimised away as dead code.
let sink = 0;
const consume = (v: unknown): void => {
  sink = (sink + (typeof v === "string" ? v.length : 1)) | 0;
};

async function measure(c: Candidate, ms: number): Promise<number> {
  const budget = ms * 1e6;
  const t0 = nowNs();
  let n = 0;
  let elapsed = 0;
  if (c.async) {
    do {
      for (let i = 0; i < 64; i++) consume(await c.run());
      n += 64;
      elapsed = nowNs() - t0;
    } while (elapsed < budget);
  } else {
    do {
      for (let i = 0; i < 256; i++) consume(c.run());
      n += 256;
      elapsed = nowNs() - t0;
    } while (elapsed < budget);
  }
  return n / (elapsed / 1e9);
}

function floorSign(payload: object): string {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${createHmac("sha256", SECRET_BYTES).update(input).digest("base64url")}`;
}

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");

// The least any HS256 verifier must do: split, decode and parse both JSON segments, HMAC, compare.
function floorVerify(token: string): unknown {
  const a = token.indexOf(".");
  const b = token.indexOf(".", a + 1);
  const header = JSON.parse(Buffer.from(token.slice(0, a), "base64url").toString("utf8")) as { alg?: unknown };
  const payload = JSON.parse(Buffer.from(token.slice(a + 1, b), "base64url").toString("utf8")) as unknown;
  const mac = createHmac("sha256", SECRET_BYTES).update(token.slice(0, b)).digest();
  const sig = Buffer.from(token.slice(b + 1), "base64url");
  if (header.alg !== "HS256" || sig.length !== mac.length || !timingSafeEqual(sig, mac)) throw new Error("floor: bad token");
  return payload;
}

function candidates(nowMs: number): { sign: Candidate[]; verify: Candidate[] } {
  const key = createHmacKey(API_KEY, SECRET);
  const nowSec = Math.floor(nowMs / 1000);
  const keys = (k: string) => (k === API_KEY ? key : undefined);
  const token = mintToken(key, { grants: BENCH_GRANTS, ttlSeconds: TTL }, nowSec).token;
  const payload = encodePayload({ iss: API_KEY, sub: "alice", exp: nowSec + TTL, nbf: nowSec, iat: nowSec }, BENCH_GRANTS);
  const sdkVerifier = new TokenVerifier(API_KEY, SECRET);
  const joseOpts = { algorithms: ["HS256"], clockTolerance: 60, requiredClaims: ["exp"], currentDate: new Date(nowMs) };
  const sdkSign = () => {
    const at = new AccessToken(API_KEY, SECRET, { identity: "alice", name: "Alice", ttl: TTL });
    at.addGrant({ roomJoin: true, room: "bench-room", canPublish: true, canSubscribe: true });
    return at.toJwt();
  };
  return {
    sign: [
      { name: "roomgate mintToken", run: () => mintToken(key, { grants: BENCH_GRANTS, ttlSeconds: TTL }, nowSec).token, async: false },
      { name: "livekit-server-sdk AccessToken.toJwt", run: sdkSign, async: true },
      { name: "jose SignJWT (reference)", run: () => new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(SECRET_BYTES), async: true },
      { name: "floor: JSON + base64url + HMAC", run: () => floorSign(payload), async: false },
    ],
    verify: [
      { name: "roomgate verifyJwt", run: () => verifyJwt(token, keys, nowMs), async: false },
      { name: "livekit-server-sdk TokenVerifier.verify", run: () => sdkVerifier.verify(token), async: true },
      { name: "jose jwtVerify (reference)", run: () => jwtVerify(token, SECRET_BYTES, joseOpts), async: true },
      { name: "floor: split + decode + JSON.parse + HMAC + compare", run: () => floorVerify(token), async: false },
    ],
  };
}

// Each candidate must produce a token the others accept before any timing counts.
async function checkAgreement(set: { sign: Candidate[]; verify: Candidate[] }, nowMs: number): Promise<void> {
  const key = createHmacKey(API_KEY, SECRET);
  const keys = (k: string) => (k === API_KEY ? key : undefined);
  for (const s of set.sign) {
    const t = (await s.run()) as string;
    if (verifyJwt(t, keys, nowMs + 1000).identity !== "alice") throw new Error(`${s.name}: token does not carry the bench claims`);
  }
  for (const v of set.verify) await v.run();
}

async function runOperation(op: "sign" | "verify", set: Candidate[], opts: InProcessOptions): Promise<OperationResult> {
  const rates = new Map<string, number[]>(set.map((c) => [c.name, []]));
  const vsSdk: number[] = [];
  const vsFloor: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    // Rotate the order so no candidate always runs first (warm caches, GC debt).
    const order = set.map((_, i) => set[(i + r) % set.length]!);
    const round = new Map<string, number>();
    for (const c of order) round.set(c.name, await measure(c, opts.msPerRound));
    for (const [name, rate] of round) rates.get(name)!.push(rate);
    const [mine, sdk, , floor] = set.map((c) => round.get(c.name)!);
    vsSdk.push(mine! / sdk!);
    vsFloor.push(mine! / floor!);
  }
  return {
    op,
    candidates: set.map((c) => ({ name: c.name, opsPerSec: median(rates.get(c.name)!) })),
    vsSdk: median(vsSdk),
    vsFloor: median(vsFloor),
  };
}

/** Runs the sign and verify comparisons (roomgate, livekit-server-sdk, jose, floor) in this process. */
export async function runInProcess(opts: InProcessOptions): Promise<OperationResult[]> {
  const nowMs = Date.now();
  const set = candidates(nowMs);
  await checkAgreement(set, nowMs);
  // One short pass so every candidate is optimised before the first timed round.
  await runOperation("sign", set.sign, { rounds: 1, msPerRound: Math.min(opts.msPerRound, 200) });
  await runOperation("verify", set.verify, { rounds: 1, msPerRound: Math.min(opts.msPerRound, 200) });
  const out = [await runOperation("sign", set.sign, opts), await runOperation("verify", set.verify, opts)];
  return out;
}
