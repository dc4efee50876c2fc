import { decodeJwt as joseDecode, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { DEFAULT_TOKEN_POLICY, verifyJwt } from "../../src/core/jwt.js";
import { b64url, hmacSignature } from "./forge.js";
import { keyLookup } from "./support.js";

// jose is the reference: for every generated token, roomgate's fast path must give jose's
// verdict with HS256 pinned, the same leeway, exp required and the same injected clock.
// The secret jose checks against is the one `iss` names, since roomgate (like LiveKit) picks keys by `iss`.

const KEY = "APIdiff";
const SECRET = "differential-secret-that-is-over-32-bytes";
const OTHER_SECRET = "a-different-secret-also-over-32-bytes!!";
const keys = keyLookup({ [KEY]: SECRET });
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const EXP = T0 + 3600;
const NBF = T0 - 30;

/** Where roomgate deliberately parts from jose, why, and which way (`roomgate` is roomgate's verdict; jose's is the opposite). */
const DELIBERATE = {
  padding: { roomgate: false, why: "strict base64url: padding is refused (RFC 7515 §2 forbids it; jose's atob fallback tolerates it)" },
  whitespace: { roomgate: false, why: "strict base64url: whitespace inside or around a segment is refused (atob strips it)" },
  size: { roomgate: false, why: `tokens over policy.maxTokenBytes (${DEFAULT_TOKEN_POLICY.maxTokenBytes} B) are refused before decoding` },
  claimType: { roomgate: false, why: "a known claim of the wrong type is malformed, as LiveKit Go's json.Unmarshal would refuse it" },
  depth: { roomgate: false, why: "roomConfig nested deeper than MAX_JSON_DEPTH is malformed (Go's decoder has a depth limit too)" },
  fractionalTime: { roomgate: false, why: "a fractional exp is compared with the clock in ms; jose floors the clock to whole seconds first" },
  nullTime: { roomgate: true, why: "null nbf/iat counts as absent, as Go's json.Unmarshal leaves a *NumericDate nil; jose wants a number" },
} as const;

interface Case {
  name: string;
  token: string;
  nowMs?: number;
  /** Set when roomgate's verdict differs from jose's on purpose. */
  deliberate?: keyof typeof DELIBERATE;
}

const seg = (v: unknown): string => b64url(typeof v === "string" ? v : JSON.stringify(v));
const sign = (h: string, p: string, secret = SECRET, hash: "sha256" | "sha384" | "sha512" = "sha256"): string =>
  `${h}.${p}.${hmacSignature(`${h}.${p}`, secret, hash)}`;
const GO_HEADER = seg({ alg: "HS256", typ: "JWT" });
const BASE = { iss: KEY, sub: "alice", exp: EXP, nbf: NBF, iat: NBF, video: { roomJoin: true, room: "r1" } };
const token = (payload: unknown, header: unknown = { alg: "HS256", typ: "JWT" }, secret = SECRET): string =>
  sign(seg(header), seg(payload), secret);

function flipChar(s: string, i: number): string {
  const c = s[i] === "A" ? "B" : "A";
  return s.slice(0, i) + c + s.slice(i + 1);
}

function corpus(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, tok: string, extra: Omit<Case, "name" | "token"> = {}) => cases.push({ name, token: tok, ...extra });
  const payloads: [string, Record<string, unknown>][] = [
    ["full grants", BASE],
    ["no nbf, no iat", { iss: KEY, sub: "bob", exp: EXP }],
    ["unicode name and metadata", { ...BASE, name: "Zoë 🎥", metadata: "{\"a\":\"ü\"}" }],
    ["unknown claims", { ...BASE, aud: "x", custom: { deep: [1, 2] } }],
    ["attributes and roomConfig", { ...BASE, attributes: { k: "v" }, roomConfig: { name: "r1", agents: [{ agentName: "a" }] } }],
  ];
  const headers: unknown[] = [{ alg: "HS256", typ: "JWT" }, { alg: "HS256" }, { typ: "JWT", alg: "HS256" }, { alg: "HS256", kid: "k1" }, " { \"alg\" : \"HS256\" } "];
  for (const [pname, p] of payloads) {
    for (const h of headers) add(`valid: ${pname}, header ${JSON.stringify(h)}`, token(p, h));
    const good = token(p);
    const dot = good.lastIndexOf(".");
    const sig = good.slice(dot + 1);
    add(`${pname}: signature char flipped`, good.slice(0, dot + 1) + flipChar(sig, 10));
    add(`${pname}: signature truncated`, good.slice(0, -2));
    add(`${pname}: signature empty`, good.slice(0, dot + 1));
    add(`${pname}: signed with another key`, token(p, undefined, OTHER_SECRET));
    add(`${pname}: payload byte changed after signing`, `${GO_HEADER}.${seg({ ...p, sub: "mallory" })}.${sig}`);
    add(`${pname}: signature padded`, `${good}=`, { deliberate: "padding" });
    add(`${pname}: trailing newline`, `${good}\n`, { deliberate: "whitespace" });
  }
  for (const alg of ["none", "HS384", "HS512", "hs256", "RS256", "ES256", ""]) {
    const hash = alg === "HS384" ? "sha384" : alg === "HS512" ? "sha512" : "sha256";
    add(`alg ${JSON.stringify(alg)}`, sign(seg({ alg, typ: "JWT" }), seg(BASE), SECRET, hash));
  }
  add("alg none, empty signature", `${seg({ alg: "none" })}.${seg(BASE)}.`);
  add("no alg", token(BASE, { typ: "JWT" }));
  add("alg not a string", token(BASE, { alg: 256 }));
  add("crit with an unknown extension", token(BASE, { alg: "HS256", crit: ["x"], x: 1 }));
  add("crit b64 false", token(BASE, { alg: "HS256", crit: ["b64"], b64: false }));
  add("b64 false without crit", token(BASE, { alg: "HS256", b64: false }));
  add("header is an array", token(BASE, ["HS256"]));
  add("header is not JSON", sign(b64url("{alg:HS256}"), seg(BASE)));
  add("missing exp", token({ iss: KEY, sub: "a", nbf: NBF }));
  add("exp null", token({ ...BASE, exp: null }));
  add("exp as a string", token({ ...BASE, exp: String(EXP) }));
  add("nbf as a string", token({ ...BASE, nbf: String(NBF) }));
  add("nbf null", token({ ...BASE, nbf: null }), { deliberate: "nullTime" });
  add("iat null", token({ ...BASE, iat: null }), { deliberate: "nullTime" });
  add("iat in the future", token({ ...BASE, iat: T0 + 86_400 }));
  add("unknown iss", token({ ...BASE, iss: "APIunknown" }));
  add("no iss", token({ sub: "a", exp: EXP }));
  add("iss not a string", token({ ...BASE, iss: 7 }));
  add("name not a string", token({ ...BASE, name: 5 }), { deliberate: "claimType" });
  add("video not an object", token({ ...BASE, video: "all" }), { deliberate: "claimType" });
  add("roomJoin as a string", token({ ...BASE, video: { roomJoin: "yes", room: "r1" } }), { deliberate: "claimType" });
  add("attributes with a number value", token({ ...BASE, attributes: { a: 1 } }), { deliberate: "claimType" });
  let deep: unknown = {};
  for (let i = 0; i < 40; i++) deep = { n: deep };
  add("roomConfig 40 levels deep", token({ ...BASE, roomConfig: deep }), { deliberate: "depth" });
  add("over the size limit", token({ ...BASE, metadata: "x".repeat(DEFAULT_TOKEN_POLICY.maxTokenBytes) }), { deliberate: "size" });
  for (const [name, p] of [["array", [1]], ["string", "s"], ["number", 1], ["null", null], ["true", true]] as const) {
    add(`payload is ${name}`, sign(GO_HEADER, seg(JSON.stringify(p))));
  }
  add("payload is not JSON", sign(GO_HEADER, b64url("{exp:1}")));
  const unaligned = ["", "x", "xx"].map((m) => seg({ ...BASE, metadata: m })).find((p) => p.length % 4 !== 0)!;
  add("payload segment padded", sign(GO_HEADER, `${unaligned}${"=".repeat(4 - (unaligned.length % 4))}`), { deliberate: "padding" });
  add("payload with standard-alphabet characters", sign(GO_HEADER, seg({ ...BASE, metadata: "\u00fb\u00ff\u00fe>>??" }).replace(/-/g, "+").replace(/_/g, "/")));
  add("space inside the payload segment", sign(GO_HEADER, `${seg(BASE).slice(0, 8)} ${seg(BASE).slice(8)}`), { deliberate: "whitespace" });
  const good = token(BASE);
  for (const [name, t] of [["2 segments", good.split(".").slice(0, 2).join(".")], ["4 segments", `${good}.x`], ["5 segments", `${good}.x.y`],
    ["empty", ""], ["dots only", ".."], ["leading dot", `.${good}`]] as const) add(`segments: ${name}`, t);
  // Time edges at the 60 s leeway, clock injected in milliseconds (jose floors it to whole seconds).
  for (const [name, nowMs] of [
    ["1 ms before exp+60", (EXP + 60) * 1000 - 1], ["exactly exp+60", (EXP + 60) * 1000], ["exp+60 and a half", (EXP + 60) * 1000 + 500],
    ["exactly exp", EXP * 1000], ["1 ms before nbf-60", (NBF - 60) * 1000 - 1], ["exactly nbf-60", (NBF - 60) * 1000], ["exactly nbf", NBF * 1000],
  ] as const) add(`time: ${name}`, good, { nowMs });
  add("time: fractional exp, 0.3 s past exp+60", token({ ...BASE, exp: EXP + 0.5 }), { nowMs: (EXP + 60) * 1000 + 300 });
  add("time: fractional exp, 0.7 s past exp+60", token({ ...BASE, exp: EXP + 0.5 }), { nowMs: (EXP + 60) * 1000 + 700, deliberate: "fractionalTime" });
  return cases;
}

async function joseAccepts(tok: string, nowMs: number): Promise<boolean> {
  let iss: unknown;
  try {
    iss = joseDecode(tok).iss;
  } catch {
    return false;
  }
  const key = typeof iss === "string" ? keys(iss) : undefined;
  if (!key) return false;
  try {
    await jwtVerify(tok, new TextEncoder().encode(SECRET), { algorithms: ["HS256"], currentDate: new Date(nowMs), clockTolerance: 60, requiredClaims: ["exp"] });
    return true;
  } catch {
    return false;
  }
}

function roomgateAccepts(tok: string, nowMs: number): boolean {
  try {
    verifyJwt(tok, keys, nowMs);
    return true;
  } catch {
    return false;
  }
}

describe("verifyJwt agrees with jose (HS256 pinned, 60 s leeway, exp required)", () => {
  const cases = corpus();

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const now = c.nowMs ?? T0 * 1000;
    const verdicts = { roomgate: roomgateAccepts(c.token, now), jose: await joseAccepts(c.token, now) };
    const d = c.deliberate && DELIBERATE[c.deliberate];
    expect(verdicts).toEqual(d ? { roomgate: d.roomgate, jose: !d.roomgate } : { roomgate: verdicts.jose, jose: verdicts.jose });
    // Guards the corpus itself: a generator bug that broke every token would otherwise pass as "agreement".
    if (c.name.startsWith("valid:")) expect(verdicts.jose).toBe(true);
  });

  it("covers accepted and refused tokens, and every deliberate difference", () => {
    expect(cases.filter((c) => c.name.startsWith("valid:")).length).toBeGreaterThanOrEqual(25);
    expect(new Set(cases.map((c) => c.deliberate).filter(Boolean))).toEqual(new Set(Object.keys(DELIBERATE)));
  });
});
