import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DB_FILE } from "../../src/participants/sqlite-store.js";
import { hs256 } from "../support/raw-tokens.js";
import { grpcOutcome, participantCalls, twirpCall, twirpOutcome, type GrpcOutcome, type TwirpReply } from "../support/participant-calls.js";
import { deployment, onEveryInstance, startDeployment, type TestDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, T0_MS, startTestServer, type TestServer } from "../support/token-server.js";

// The server's manual clock stays at T0 in this file, so every token below is judged at NOW.
const NOW = T0_MS / 1000;
const ROOM = "r1";
const PS = "roomgate.v1.ParticipantService";
const TS = "roomgate.v1.TokenService";
const LK = "livekit.RoomService";

const sign = (payload: Record<string, unknown>, secret = API_SECRET): string =>
  hs256({ iss: API_KEY, iat: NOW, nbf: NOW, exp: NOW + 3600, ...payload }, secret);
const joinTokenFor = (identity: string, room = ROOM): string => sign({ sub: identity, video: { roomJoin: true, room } });
const adminOf = (room: string, claims: Record<string, unknown> = {}): string => sign({ sub: "admin", video: { roomAdmin: true, room }, ...claims });
const ADMIN = adminOf(ROOM);

let s: TestDeployment;
let dir: string;
let calls: ReturnType<typeof participantCalls>;
let fresh = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-participant-auth-"));
  s = await startDeployment(dir);
  calls = participantCalls(s.participantClient, s.tokenClient);
  await calls.join(joinTokenFor("member"));
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Joins a new participant of ROOM, for calls that consume one (removal). */
async function joinFresh(): Promise<string> {
  const identity = `victim-${++fresh}`;
  await calls.join(joinTokenFor(identity));
  return identity;
}

/** One expected outcome, written once and rendered per transport. */
type Expect = "ok" | "not_found" | "denied" | { unauthenticated: string } | { invalid: string };

function grpcText(e: Expect): string {
  if (e === "ok") return "OK";
  if (e === "not_found") return "NOT_FOUND participant_not_found";
  if (e === "denied") return "PERMISSION_DENIED grant_missing";
  if ("unauthenticated" in e) return `UNAUTHENTICATED ${e.unauthenticated}`;
  return `INVALID_ARGUMENT invalid_argument ${e.invalid}`;
}

function twirpText(e: Expect): string {
  if (e === "ok") return "200";
  if (e === "not_found") return "404 not_found participant_not_found";
  if (e === "denied") return "403 permission_denied grant_missing";
  if ("unauthenticated" in e) return `401 unauthenticated ${e.unauthenticated}`;
  return `400 invalid_argument invalid_argument ${e.invalid}`;
}

/** LiveKit's RoomService answers a missing grant 401 `unauthenticated`, not 403 (contract §9). */
function livekitText(e: Expect): string {
  return e === "denied" ? "401 unauthenticated grant_missing" : twirpText(e);
}

const showGrpc = (o: GrpcOutcome): string =>
  o.code === grpc.status.OK ? "OK" : [grpc.status[o.code], o.reason, o.field].filter((x) => x !== undefined).join(" ");
function showTwirp(r: TwirpReply): string {
  const o = twirpOutcome(r);
  return o.status === 200 ? "200" : [o.status, o.code, o.reason, o.argument].filter((x) => x !== undefined).join(" ");
}

/** Opens a watch and reports whether its first event arrived, or how the call failed. */
async function watchOutcome(room: string, identity: string, credential?: string): Promise<GrpcOutcome> {
  const w = calls.watch(room, identity, credential);
  const out = await grpcOutcome(w.next());
  w.cancel();
  return out;
}

type Transport = "grpc" | "twirp" | "livekit";
type Method = "update" | "get" | "list" | "remove" | "watch";
const TWIRP_METHOD: Record<Method, string> = {
  update: "UpdateParticipant", get: "GetParticipant", list: "ListParticipants", remove: "RemoveParticipant", watch: "WatchParticipant",
};

/** One call of an admin method over a transport, rendered as "CODE reason [field]". */
async function call(t: Transport, m: Method, identity: string, credential?: string): Promise<string> {
  const body = { room: ROOM, identity, ...(m === "update" && { metadata: `set-${fresh}` }) };
  if (t === "grpc") {
    if (m === "watch") return showGrpc(await watchOutcome(ROOM, identity, credential));
    const promise = {
      update: () => calls.update(body, credential),
      get: () => calls.get(ROOM, identity, credential),
      list: () => calls.list(ROOM, credential),
      remove: () => calls.remove(ROOM, identity, false, credential),
    }[m];
    return showGrpc(await grpcOutcome(promise()));
  }
  return showTwirp(await twirpCall(s.twirpUrl, t === "twirp" ? PS : LK, TWIRP_METHOD[m], m === "list" ? { room: ROOM } : body, credential));
}

interface Caller {
  name: string;
  credential: () => string | undefined;
  /** Outcome for every admin call, on an existing and on an unknown identity alike. */
  admin: Expect;
  /** Outcome of watching the participant "member". */
  watchMember: Expect;
}

const denied: Expect = "denied";
const callers: Caller[] = [
  { name: "no credential", credential: () => undefined, admin: { unauthenticated: "caller_unauthenticated" }, watchMember: { unauthenticated: "caller_unauthenticated" } },
  { name: "a garbage token", credential: () => "not-a-jwt", admin: { unauthenticated: "token_malformed" }, watchMember: { unauthenticated: "token_malformed" } },
  { name: "an expired admin token", credential: () => adminOf(ROOM, { iat: NOW - 7200, nbf: NOW - 7200, exp: NOW - 61 }), admin: { unauthenticated: "token_expired" }, watchMember: { unauthenticated: "token_expired" } },
  { name: "an admin token with a wrong signature", credential: () => sign({ sub: "admin", video: { roomAdmin: true, room: ROOM } }, "a-different-secret-that-is-32-bytes-long"), admin: { unauthenticated: "token_signature_invalid" }, watchMember: { unauthenticated: "token_signature_invalid" } },
  { name: "an admin token of an unknown key", credential: () => hs256({ iss: "APInope", exp: NOW + 60, video: { roomAdmin: true, room: ROOM } }, API_SECRET), admin: { unauthenticated: "token_unknown_key" }, watchMember: { unauthenticated: "token_unknown_key" } },
  { name: "the participant's own join token", credential: () => joinTokenFor("member"), admin: denied, watchMember: "ok" },
  { name: "the same identity's join token for another room", credential: () => joinTokenFor("member", "r2"), admin: denied, watchMember: denied },
  { name: "another participant's join token", credential: () => joinTokenFor("someone-else"), admin: denied, watchMember: denied },
  { name: "an admin of another room", credential: () => adminOf("r2"), admin: denied, watchMember: denied },
  { name: "an admin of a room that only differs in case", credential: () => adminOf("R1"), admin: denied, watchMember: denied },
  { name: "roomAdmin without a room", credential: () => sign({ sub: "admin", video: { roomAdmin: true } }), admin: denied, watchMember: denied },
  { name: "roomCreate, roomList and roomRecord but no roomAdmin", credential: () => sign({ sub: "ops", video: { roomCreate: true, roomList: true, roomRecord: true, room: ROOM } }), admin: denied, watchMember: denied },
];

describe.each(["grpc", "twirp", "livekit"] as const)("participant admin authorization over %s", (transport) => {
  const methods: Method[] = transport === "grpc" ? ["update", "get", "list", "remove", "watch"] : ["update", "get", "list", "remove"];
  const render = transport === "grpc" ? grpcText : transport === "livekit" ? livekitText : twirpText;

  it.each(callers)("$name: the same answer for known and unknown participants", async (c) => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const m of methods) {
      if (m === "list") {
        got.list = await call(transport, m, "", c.credential());
        want.list = render(c.admin);
        continue;
      }
      const known = m === "remove" ? await joinFresh() : "member";
      got[`${m} known`] = await call(transport, m, known, c.credential());
      got[`${m} unknown`] = await call(transport, m, "ghost", c.credential());
      want[`${m} known`] = render(m === "watch" ? c.watchMember : c.admin);
      // Watching someone else is an admin call: a participant's own token does not reach "ghost".
      want[`${m} unknown`] = render(m === "watch" && c.watchMember === "ok" ? denied : c.admin);
    }
    expect(got).toEqual(want);
  });

  it("the room's admin: OK for a participant, NOT_FOUND for an unknown identity", async () => {
    const got: Record<string, string> = {};
    for (const m of methods) {
      if (m === "list") {
        got.list = await call(transport, m, "", ADMIN);
        continue;
      }
      got[`${m} known`] = await call(transport, m, m === "remove" ? await joinFresh() : "member", ADMIN);
      got[`${m} unknown`] = await call(transport, m, "ghost", ADMIN);
    }
    const want: Record<string, string> = {};
    for (const m of methods) {
      if (m === "list") want.list = render("ok");
      else Object.assign(want, { [`${m} known`]: render("ok"), [`${m} unknown`]: render("not_found") });
    }
    expect(got).toEqual(want);
  });
});

describe("what the admin calls return", () => {
  it("list shows the active participants only, and a removed one stays readable as REMOVED", async () => {
    const victim = await joinFresh();
    const before = (await calls.list(ROOM, ADMIN)).participants.map((p) => p.identity);
    expect(before).toContain(victim);
    expect(before).toEqual([...before].sort());
    await calls.remove(ROOM, victim, false, ADMIN);
    expect((await calls.list(ROOM, ADMIN)).participants.map((p) => p.identity)).not.toContain(victim);
    const { json } = await twirpCall(s.twirpUrl, PS, "GetParticipant", { room: ROOM, identity: victim }, ADMIN);
    expect(json.participant).toMatchObject({ identity: victim, state: "PARTICIPANT_STATE_REMOVED" });
    // A removed participant cannot be updated or watched: it is no longer in the room.
    expect(showGrpc(await grpcOutcome(calls.update({ room: ROOM, identity: victim, name: "back" }, ADMIN)))).toBe(grpcText("not_found"));
    expect(showGrpc(await watchOutcome(ROOM, victim, ADMIN))).toBe(grpcText("not_found"));
  });

  it("WatchParticipant is not a Twirp route (Twirp has no streaming)", async () => {
    const r = await twirpCall(s.twirpUrl, PS, TWIRP_METHOD.watch, { room: ROOM, identity: "member" }, ADMIN);
    expect([r.status, r.json.code]).toEqual([404, "bad_route"]);
  });
});

describe("invalid_argument for LiveKit's size limits, with the field name", () => {
  const KIB = 1024;
  // Limits count UTF-8 bytes: "é" is two bytes, so 128 of them fill the 256-byte name exactly.
  const cases: { name: string; change: Record<string, unknown>; expect: Expect }[] = [
    { name: "a 256-byte name", change: { name: "é".repeat(128) }, expect: "ok" },
    { name: "a 257-byte name of 129 characters", change: { name: `${"é".repeat(128)}a` }, expect: { invalid: "name" } },
    { name: "512 KiB of metadata", change: { metadata: "m".repeat(512 * KIB) }, expect: "ok" },
    { name: "512 KiB + 1 byte of metadata", change: { metadata: "m".repeat(512 * KIB + 1) }, expect: { invalid: "metadata" } },
    { name: "64 KiB of attribute keys and values", change: { attributes: { k: "v".repeat(64 * KIB - 1) } }, expect: "ok" },
    { name: "64 KiB + 1 byte of attributes over several keys", change: { attributes: { a: "v".repeat(32 * KIB), b: "v".repeat(32 * KIB - 1) } }, expect: { invalid: "attributes" } },
  ];

  it.each(cases)("$name", async (c) => {
    const req = { room: ROOM, identity: "member", ...c.change };
    expect(showGrpc(await grpcOutcome(calls.update(req, ADMIN)))).toBe(grpcText(c.expect));
    expect(showTwirp(await twirpCall(s.twirpUrl, PS, "UpdateParticipant", req, ADMIN))).toBe(twirpText(c.expect));
  });

  it.each([
    ["identity", { sub: `${"é".repeat(128)}a` }],
    ["room", { video: { roomJoin: true, room: `${"é".repeat(128)}a` } }],
    ["name", { name: "n".repeat(257) }],
    ["metadata", { metadata: "m".repeat(512 * KIB + 1) }],
    ["attributes", { attributes: { a: "v".repeat(64 * KIB) } }],
  ])("JoinRoom refuses a token whose %s is over LiveKit's limit", async (field, claims) => {
    const token = sign({ sub: "big-joiner", video: { roomJoin: true, room: ROOM }, ...claims });
    expect(showGrpc(await grpcOutcome(calls.join(token)))).toBe(grpcText({ invalid: field }));
    expect(showTwirp(await twirpCall(s.twirpUrl, PS, "JoinRoom", { token }))).toBe(twirpText({ invalid: field }));
  });

  it("an empty identity or room is a bad field for an admin of the room", async () => {
    expect(showGrpc(await grpcOutcome(calls.get(ROOM, "", ADMIN)))).toBe(grpcText({ invalid: "identity" }));
    expect(showTwirp(await twirpCall(s.twirpUrl, PS, "RemoveParticipant", { room: ROOM, identity: "" }, ADMIN))).toBe(twirpText({ invalid: "identity" }));
    expect(showGrpc(await watchOutcome(ROOM, "", ADMIN))).toBe(grpcText({ invalid: "identity" }));
  });

  it("the failed updates changed nothing", async () => {
    const { participant } = await calls.get(ROOM, "member", ADMIN);
    expect(Buffer.byteLength(participant!.name)).toBe(256);
    expect(participant!.metadata.length).toBe(512 * KIB);
    expect(Object.keys(participant!.attributes)).toEqual(["k"]);
  });
});

describe("token_revoked after RemoveParticipant with revoke_tokens", () => {
  const revoked = (t: Transport) => (t === "grpc" ? grpcText : twirpText)({ unauthenticated: "token_revoked" });

  it.each([
    ["gRPC", async (identity: string): Promise<void> => void (await calls.remove(ROOM, identity, true, ADMIN))],
    ["Twirp", async (identity: string): Promise<void> => {
      const r = await twirpCall(s.twirpUrl, PS, "RemoveParticipant", { room: ROOM, identity, revokeTokens: true }, ADMIN);
      expect(r.status).toBe(200);
    }],
  ] as const)("removed over %s: the join token is refused by VerifyToken, JoinRoom, RefreshToken and WatchParticipant on both transports", async (_via, removeWithRevoke) => {
    const identity = await joinFresh();
    const token = joinTokenFor(identity);
    // A token signed for the same identity in another room is untouched by this room's revocation.
    const elsewhere = joinTokenFor(identity, "r2");
    await calls.join(elsewhere);
    await removeWithRevoke(identity);
    // Every instance has the watermark in memory before the calls below, spread over the instances, are made.
    await onEveryInstance(s, async (on) => expect(showGrpc(await grpcOutcome(on.verify({ token })))).toBe(revoked("grpc")));

    const got = {
      "grpc VerifyToken": showGrpc(await grpcOutcome(calls.verify({ token }))),
      "grpc JoinRoom": showGrpc(await grpcOutcome(calls.join(token))),
      "grpc RefreshToken": showGrpc(await grpcOutcome(calls.refresh(token))),
      "grpc WatchParticipant": showGrpc(await watchOutcome(ROOM, identity, token)),
      "twirp VerifyToken": showTwirp(await twirpCall(s.twirpUrl, TS, "VerifyToken", { token })),
      "twirp JoinRoom": showTwirp(await twirpCall(s.twirpUrl, PS, "JoinRoom", { token })),
      "twirp RefreshToken": showTwirp(await twirpCall(s.twirpUrl, PS, "RefreshToken", { token })),
      "other room VerifyToken": showGrpc(await grpcOutcome(calls.verify({ token: elsewhere }))),
      "other room RefreshToken": showGrpc(await grpcOutcome(calls.refresh(elsewhere))),
    };
    expect(got).toEqual({
      "grpc VerifyToken": revoked("grpc"),
      "grpc JoinRoom": revoked("grpc"),
      "grpc RefreshToken": revoked("grpc"),
      "grpc WatchParticipant": revoked("grpc"),
      "twirp VerifyToken": revoked("twirp"),
      "twirp JoinRoom": revoked("twirp"),
      "twirp RefreshToken": revoked("twirp"),
      "other room VerifyToken": "OK",
      "other room RefreshToken": "OK",
    });
  });

  it("a removal without revoke_tokens refuses nothing, and RefreshToken then finds no active participant", async () => {
    const identity = await joinFresh();
    const token = joinTokenFor(identity);
    await calls.remove(ROOM, identity, false, ADMIN);
    expect(showGrpc(await grpcOutcome(calls.verify({ token })))).toBe("OK");
    expect(showGrpc(await grpcOutcome(calls.refresh(token)))).toBe(grpcText("not_found"));
    expect(showTwirp(await twirpCall(s.twirpUrl, PS, "RefreshToken", { token }))).toBe(twirpText("not_found"));
    expect(showGrpc(await grpcOutcome(calls.join(token)))).toBe("OK");
  });
});

// SQLite's write lock: a single-instance scenario.
if (deployment() === "single") {
  describe("store_unavailable while another connection holds the database's write lock", () => {
    let locked: TestServer;
    let lockedDir: string;
    let locker: Database.Database | undefined;
    let lockedCalls: ReturnType<typeof participantCalls>;

    beforeAll(async () => {
      lockedDir = mkdtempSync(join(tmpdir(), "roomgate-locked-"));
      // The default 5 s lock wait blocks the (synchronous) store; 100 ms keeps this test fast and still waits for real.
      locked = await startTestServer(lockedDir, {}, undefined, { storeBusyTimeoutMs: 100 });
      lockedCalls = participantCalls(locked.participantClient, locked.tokenClient);
      await lockedCalls.join(joinTokenFor("member"));
    });
    afterAll(async () => {
      locker?.close();
      await locked?.close();
      rmSync(lockedDir, { recursive: true, force: true });
    });

    it("writes fail with UNAVAILABLE store_unavailable on both transports; reads, verification and, after the lock goes, writes work", async () => {
      locker = new Database(join(lockedDir, DEFAULT_DB_FILE));
      locker.exec("BEGIN EXCLUSIVE");
      const unavailable = { grpc: "UNAVAILABLE store_unavailable", twirp: "503 unavailable store_unavailable" };
      const update = { room: ROOM, identity: "member", metadata: "while locked" };
      const got = {
        "grpc UpdateParticipant": showGrpc(await grpcOutcome(lockedCalls.update(update, ADMIN))),
        "grpc RemoveParticipant": showGrpc(await grpcOutcome(lockedCalls.remove(ROOM, "member", true, ADMIN))),
        "grpc JoinRoom": showGrpc(await grpcOutcome(lockedCalls.join(joinTokenFor("newcomer")))),
        "twirp UpdateParticipant": showTwirp(await twirpCall(locked.twirpUrl, PS, "UpdateParticipant", update, ADMIN)),
        "twirp RemoveParticipant": showTwirp(await twirpCall(locked.twirpUrl, PS, "RemoveParticipant", { room: ROOM, identity: "member", revokeTokens: true }, ADMIN)),
        "twirp JoinRoom": showTwirp(await twirpCall(locked.twirpUrl, PS, "JoinRoom", { token: joinTokenFor("newcomer") })),
        "livekit UpdateParticipant": showTwirp(await twirpCall(locked.twirpUrl, LK, "UpdateParticipant", update, ADMIN)),
        // WAL readers are not blocked by a writer, and verification answers from memory.
        "grpc GetParticipant": showGrpc(await grpcOutcome(lockedCalls.get(ROOM, "member", ADMIN))),
        "grpc VerifyToken": showGrpc(await grpcOutcome(lockedCalls.verify({ token: joinTokenFor("member") }))),
      };
      expect(got).toEqual({
        "grpc UpdateParticipant": unavailable.grpc,
        "grpc RemoveParticipant": unavailable.grpc,
        "grpc JoinRoom": unavailable.grpc,
        "twirp UpdateParticipant": unavailable.twirp,
        "twirp RemoveParticipant": unavailable.twirp,
        "twirp JoinRoom": unavailable.twirp,
        "livekit UpdateParticipant": unavailable.twirp,
        "grpc GetParticipant": "OK",
        "grpc VerifyToken": "OK",
      });

      locker.exec("ROLLBACK");
      locker.close();
      locker = undefined;
      const after = await lockedCalls.update(update, ADMIN);
      // Version 2: none of the refused writes left anything behind.
      expect([after.participant?.metadata, after.participant?.version, after.participant?.state]).toEqual(["while locked", 2n, 1]);
      expect(showGrpc(await grpcOutcome(lockedCalls.verify({ token: joinTokenFor("member") })))).toBe("OK");
    });
  });
}
