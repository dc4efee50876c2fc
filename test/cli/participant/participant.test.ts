import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoomgateClient } from "../../../src/client/client.js";
import { nowSeconds, systemClock } from "../../../src/core/clock.js";
import type { VideoGrant } from "../../../src/core/grants.js";
import { createHmacKey } from "../../../src/core/hmac-key.js";
import { mintToken } from "../../../src/core/minting.js";
import { API_KEY, API_SECRET, startTestServer, type TestServer } from "../../support/token-server.js";
import { harness, recordingClient, payloadOf, type Harness } from "../cli-harness.js";

// `roomgate participant …` in-process against a real roomgate on an ephemeral loopback port.
// The server runs on the wall clock so that tokens the CLI mints (harness clock set to now) verify.

const ALL_FALSE = {
  canSubscribe: false, canPublish: false, canPublishData: false, canPublishSources: [], hidden: false, recorder: false,
  canUpdateMetadata: false, agent: false, canSubscribeMetrics: false, canManageAgentSession: false,
};

let ts: TestServer;
let dataDir: string;
let address: string;
let credentialsSeen: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "roomgate-cli-participant-"));
  ts = await startTestServer(dataDir, {}, systemClock);
  address = `127.0.0.1:${ts.server.grpcPort}`;
});

afterAll(async () => {
  await ts?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function mint(identity: string | undefined, video: VideoGrant, name?: string): string {
  const grants = { ...(identity ? { identity } : {}), ...(name ? { name } : {}), video };
  return mintToken(createHmacKey(API_KEY, API_SECRET), { grants, ttlSeconds: 3600 }, nowSeconds(systemClock)).token;
}

/** Joins like a media server would: JoinRoom with the participant's own join token, which is returned. */
async function joinRoom(room: string, identity: string, video: VideoGrant = { canPublish: false }): Promise<string> {
  const token = mint(identity, { roomJoin: true, room, ...video }, identity.toUpperCase());
  await ts.client.participants.joinRoom({ token });
  return token;
}

/** A CLI run wired to the test server, with the API key in the environment as `lk` users have it. */
function cli(env: Record<string, string> = { LIVEKIT_API_KEY: API_KEY, LIVEKIT_API_SECRET: API_SECRET }): Harness {
  const h = harness({
    env,
    connect: async (o) => recordingClient(o.address, credentialsSeen),
  });
  h.clock.set(Date.now());
  return h;
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !check(); ) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const jsonOf = (h: Harness) => JSON.parse(h.out()) as Record<string, unknown>;
const lines = (h: Harness) => h.out().split("\n").filter((l) => l !== "");

describe("participant join", () => {
  it("joins with the participant's own token and prints it with its first refreshed token", async () => {
    const token = mint("jo", { roomJoin: true, room: "join-room", canPublish: false }, "Jo");
    const h = cli({});
    expect(await h.run("participant", "join", "--server", address, "--json", token)).toBe(0);
    const out = jsonOf(h) as { participant: { identity: string; state: string; room: string }; token: string; expiresAt: string };
    expect(out.participant).toMatchObject({ identity: "jo", room: "join-room", state: "active" });
    expect(payloadOf(out.token)).toMatchObject({ sub: "jo", identity: "jo", kind: "standard", video: { roomJoin: true, room: "join-room", canPublish: false } });
    expect(Date.parse(out.expiresAt)).toBeGreaterThan(Date.now());

    const only = cli({});
    expect(await only.run("participant", "join", "--server", address, "--token-only", token)).toBe(0);
    expect(lines(only)).toHaveLength(1);
    expect(payloadOf(lines(only)[0]!)).toMatchObject({ sub: "jo" });
  });

  it("reports the server's reason for a bad token and a usage error without one", async () => {
    const bad = cli({});
    expect(await bad.run("participant", "join", "--server", address, "not.a.token")).toBe(1);
    expect(bad.err()).toBe("roomgate: token_malformed: token is malformed\n");
    const admin = cli({});
    expect(await admin.run("participant", "join", "--server", address, mint(undefined, { roomAdmin: true, room: "join-room" }))).toBe(1);
    expect(admin.err()).toMatch(/^roomgate: (grant_missing|invalid_argument): /);
    const none = cli({});
    expect(await none.run("participant", "join", "--server", address)).toBe(2);
    expect(none.err()).toContain("missing TOKEN");
  });
});

describe("participant list|get", () => {
  it("lists the active participants as a table and as JSON", async () => {
    await joinRoom("list-room", "alice");
    await joinRoom("list-room", "bob", {});
    const h = cli();
    expect(await h.run("participant", "list", "--room", "list-room", "--server", address)).toBe(0);
    const [header, ...rows] = lines(h);
    expect(header).toMatch(/^IDENTITY\s+NAME\s+STATE\s+VERSION\s+PERMISSION\s+METADATA\s+ATTRIBUTES\s+UPDATED$/);
    expect(rows.find((r) => r.startsWith("alice"))).toMatch(/^alice\s+ALICE\s+active\s+1\s+subscribe\s/);
    expect(rows.find((r) => r.startsWith("bob"))).toMatch(/^bob\s+BOB\s+active\s+1\s+publish subscribe data\s/);

    const j = cli();
    // lk's positional ROOM works too.
    expect(await j.run("participant", "list", "list-room", "--server", address, "--json")).toBe(0);
    const list = (jsonOf(j).participants as { identity: string }[]).map((p) => p.identity).sort();
    expect(list).toEqual(["alice", "bob"]);
    expect(j.err()).toBe("");
  });

  it("says so when a room has nobody", async () => {
    const h = cli();
    expect(await h.run("participant", "list", "--room", "empty-room", "--server", address)).toBe(0);
    expect(h.out()).toBe('No active participants in room "empty-room".\n');
  });

  it("gets one participant with every field", async () => {
    await joinRoom("get-room", "carol");
    const h = cli();
    expect(await h.run("participant", "get", "--room", "get-room", "--identity", "carol", "--server", address)).toBe(0);
    expect(h.out()).toMatch(/^Identity: {3}carol\nName: {7}CAROL\nRoom: {7}get-room\nKind: {7}standard\nState: {6}active\nVersion: {4}1\nPermission: subscribe\nMetadata:\nAttributes:\nJoined: {5}\d{4}-.+Z\nUpdated: {4}\d{4}-.+Z\n$/);

    const j = cli();
    expect(await j.run("participant", "get", "--room", "get-room", "carol", "--server", address, "-j")).toBe(0);
    expect(jsonOf(j)).toMatchObject({
      room: "get-room", identity: "carol", name: "CAROL", state: "active", version: 1,
      permission: { ...ALL_FALSE, canSubscribe: true }, metadata: "", attributes: {},
    });
  });

  it("signs an admin token like RoomServiceClient: roomAdmin for the room, 10 minutes, no identity", async () => {
    credentialsSeen = [];
    const h = cli();
    expect(await h.run("participant", "list", "--room", "cred-room", "--server", address)).toBe(0);
    const p = payloadOf(credentialsSeen[0]!);
    expect(p).toMatchObject({ iss: API_KEY, video: { roomAdmin: true, room: "cred-room" } });
    expect(p.sub).toBeUndefined();
    expect((p.exp as number) - (p.nbf as number)).toBe(600);
    expect(h.out() + h.err()).not.toContain(API_SECRET);
  });

  it("takes the server from ROOMGATE_SERVER and a ready token from ROOMGATE_TOKEN", async () => {
    await joinRoom("env-room", "dave");
    const admin = mint(undefined, { roomAdmin: true, room: "env-room" });
    const h = cli({ ROOMGATE_SERVER: address, ROOMGATE_TOKEN: admin });
    expect(await h.run("participant", "get", "--room", "env-room", "--identity", "dave", "--json")).toBe(0);
    expect(jsonOf(h)).toMatchObject({ identity: "dave" });

    const t = cli({});
    expect(await t.run("participant", "get", "--room", "env-room", "--identity", "dave", "--server", address, "--token", admin)).toBe(0);
  });
});

describe("participant update", () => {
  it("changes name, metadata and attributes; KEY= deletes an attribute", async () => {
    await joinRoom("upd-room", "erin");
    const h = cli();
    const base = ["participant", "update", "--server", address, "--room", "upd-room", "--identity", "erin"];
    expect(await h.run(...base, "--name", "Erin E.", "--metadata", '{"seat":4}', "--attribute", "team=red", "--attribute", "lang=de", "--json")).toBe(0);
    expect(jsonOf(h)).toMatchObject({ name: "Erin E.", metadata: '{"seat":4}', attributes: { team: "red", lang: "de" }, version: 2 });

    const d = cli();
    expect(await d.run(...base, "--attribute", "lang=")).toBe(0);
    expect(d.out()).toContain("Attributes: team=red\n");
    expect(d.out()).toContain("Metadata:   {\"seat\":4}\n");

    const g = cli();
    expect(await g.run("participant", "get", "--server", address, "--room", "upd-room", "--identity", "erin", "--json")).toBe(0);
    expect(jsonOf(g)).toMatchObject({ name: "Erin E.", attributes: { team: "red" }, version: 3 });
  });

  it("--permission replaces the whole set: fields left out become false", async () => {
    await joinRoom("perm-room", "frank", {});
    const h = cli();
    const permission = '{"canPublish":true,"canPublishSources":["CAMERA","track_source_microphone"],"can_update_metadata":true}';
    expect(await h.run("participant", "update", "--server", address, "--room", "perm-room", "--identity", "frank", "--permission", permission)).toBe(0);
    expect(h.out()).toContain("Permission: publish(camera,microphone) update-metadata\n");

    const g = cli();
    expect(await g.run("participant", "get", "--server", address, "--room", "perm-room", "--identity", "frank", "--json")).toBe(0);
    expect(jsonOf(g).permission).toEqual({ ...ALL_FALSE, canPublish: true, canPublishSources: ["camera", "microphone"], canUpdateMetadata: true });

    // lk's spelling, --permissions, and its positional identity paste over unchanged.
    const lk = cli();
    expect(await lk.run("participant", "update", "--server", address, "--room", "perm-room", "frank", "--permissions", '{"canSubscribe":true}')).toBe(0);
    expect(lk.out()).toContain("Permission: subscribe\n");
  });

  it("builds a full permission set from --can-* flags, with LiveKit's defaults for the rest", async () => {
    await joinRoom("flag-room", "gina");
    const h = cli();
    expect(await h.run("participant", "update", "--server", address, "--room", "flag-room", "--identity", "gina", "--can-publish", "true", "--allow-source", "camera", "--allow-source", "screen_share,screen_share_audio", "--json")).toBe(0);
    expect(jsonOf(h).permission).toEqual({ ...ALL_FALSE, canSubscribe: true, canPublish: true, canPublishData: true, canPublishSources: ["camera", "screen_share", "screen_share_audio"] });

    const off = cli();
    expect(await off.run("participant", "update", "--server", address, "--room", "flag-room", "--identity", "gina", "--can-subscribe", "false", "--json")).toBe(0);
    expect(jsonOf(off).permission).toEqual({ ...ALL_FALSE, canPublish: true, canPublishData: true });
  });
});

describe("participant update with --can-* / --allow-source", () => {
  const update = (identity: string, ...flags: string[]) => ["participant", "update", "--server", address, "--room", "warn-room", "--identity", identity, ...flags];

  it("warns on stderr about every field the new set turns off or widens unasked, and still updates", async () => {
    await joinRoom("warn-room", "olga", {
      canSubscribe: false, canPublish: true, canPublishSources: ["camera"], hidden: true, recorder: true, agent: true,
      canUpdateOwnMetadata: true, canSubscribeMetrics: true, canManageAgentSession: true,
    });
    const h = cli();
    expect(await h.run(...update("olga", "--can-publish", "true", "--json"))).toBe(0);
    expect(h.err()).toBe(
      'roomgate: warning: --can-* and --allow-source replace the whole permission set; for "olga" this also turns off or widens: ' +
        "canSubscribe (false -> true), hidden (true -> false), recorder (true -> false), agent (true -> false), canUpdateMetadata (true -> false), " +
        "canSubscribeMetrics (true -> false), canManageAgentSession (true -> false), canPublishSources (camera -> every source). " +
        "To keep them, pass the full set with --permission.\n",
    );
    expect(jsonOf(h).permission).toEqual({ ...ALL_FALSE, canSubscribe: true, canPublish: true, canPublishData: true });
  });

  it("names only what the flags did not set, and stays quiet when nothing else changes", async () => {
    await joinRoom("warn-room", "pete", { canPublish: true, canPublishSources: ["camera", "microphone"], hidden: true });
    const h = cli();
    expect(await h.run(...update("pete", "--can-subscribe", "false", "--can-publish", "true", "--can-publish-data", "false", "--allow-source", "camera"))).toBe(0);
    expect(h.err()).toMatch(/this also turns off or widens: hidden \(true -> false\)\. To keep/);

    const quiet = cli();
    expect(await quiet.run(...update("pete", "--can-subscribe", "true", "--can-publish", "true", "--can-publish-data", "true", "--allow-source", "microphone"))).toBe(0);
    expect(quiet.err()).toBe("");
  });

  it("--permission and non-permission updates neither read the participant first nor warn", async () => {
    await joinRoom("warn-room", "quinn", { hidden: true });
    const gets: string[] = [];
    const h = harness({
      env: { LIVEKIT_API_KEY: API_KEY, LIVEKIT_API_SECRET: API_SECRET },
      connect: async (o) => {
        const client = createRoomgateClient(o);
        const participants = { ...client.participants, getParticipant: ((req, opts) => (gets.push(req.identity ?? ""), client.participants.getParticipant(req, opts))) as typeof client.participants.getParticipant };
        return { ...client, participants, close: () => client.close() };
      },
    });
    h.clock.set(Date.now());
    expect(await h.run(...update("quinn", "--name", "Q"))).toBe(0);
    expect(await h.run(...update("quinn", "--permission", '{"canSubscribe":true}'))).toBe(0);
    expect(gets).toEqual([]);
    expect(await h.run(...update("quinn", "--can-publish", "false"))).toBe(0);
    expect(gets).toEqual(["quinn"]);
    expect(h.err()).toBe("");
  });
});

describe("participant remove", () => {
  it("removes, and with --revoke-tokens the old token fails VerifyToken with token_revoked", async () => {
    const token = await joinRoom("rm-room", "hank");
    const h = cli();
    expect(await h.run("participant", "remove", "--server", address, "--room", "rm-room", "--identity", "hank", "--revoke-tokens")).toBe(0);
    expect(h.out()).toBe('Removed "hank" from room "rm-room"; its tokens issued until now are revoked.\n');

    const verifier = createRoomgateClient({ address });
    await expect(verifier.tokens.verifyToken({ token })).rejects.toMatchObject({ reason: "token_revoked" });
    verifier.close();

    const l = cli();
    expect(await l.run("participant", "list", "--server", address, "--room", "rm-room")).toBe(0);
    expect(l.out()).toBe('No active participants in room "rm-room".\n');
    const g = cli();
    expect(await g.run("participant", "get", "--server", address, "--room", "rm-room", "hank", "--json")).toBe(0);
    expect(jsonOf(g)).toMatchObject({ state: "removed" });
  });

  it("removes without revoking: the old token still verifies", async () => {
    const token = await joinRoom("rm-room-2", "ivy");
    const h = cli();
    expect(await h.run("participant", "remove", "--server", address, "--room", "rm-room-2", "ivy")).toBe(0);
    expect(h.out()).toBe('Removed "ivy" from room "rm-room-2".\n');
    const verifier = createRoomgateClient({ address });
    await expect(verifier.tokens.verifyToken({ token })).resolves.toMatchObject({ claims: { identity: "ivy" } });
    verifier.close();
  });
});

describe("participant watch", () => {
  it("prints one JSON line per pushed token and ends 0 when the participant is removed", async () => {
    await joinRoom("watch-room", "jack");
    const w = cli();
    const watching = w.run("participant", "watch", "--server", address, "--room", "watch-room", "--identity", "jack");
    await waitFor(() => lines(w).length >= 1, "the first token");
    const first = JSON.parse(lines(w)[0]!) as { cause: string; version: number; expiresAt: string; token: string };
    expect(first).toMatchObject({ cause: "refreshed", version: 1 });
    expect(payloadOf(first.token)).toMatchObject({ sub: "jack", video: { canPublish: false } });
    expect(Date.parse(first.expiresAt) / 1000).toBe(payloadOf(first.token).exp);

    const u = cli();
    expect(await u.run("participant", "update", "--server", address, "--room", "watch-room", "--identity", "jack", "--can-publish", "true")).toBe(0);
    await waitFor(() => lines(w).length >= 2, "the updated token");
    const updated = JSON.parse(lines(w)[1]!) as { cause: string; version: number; token: string };
    expect(updated).toMatchObject({ cause: "updated", version: 2 });
    expect(payloadOf(updated.token)).toMatchObject({ sub: "jack", video: { canPublish: true } });

    const r = cli();
    expect(await r.run("participant", "remove", "--server", address, "--room", "watch-room", "--identity", "jack")).toBe(0);
    expect(await watching).toBe(0);
    expect(JSON.parse(lines(w).at(-1)!)).toEqual({ cause: "removed", version: 3, expiresAt: null, token: null });
    expect(w.err()).toBe("");
    expect(w.signals.size).toBe(0);
  });

  it("--token-only prints bare tokens, accepts the participant's own token, and stops 0 on SIGINT", async () => {
    const own = await joinRoom("watch-room-2", "kate");
    const w = cli({});
    const watching = w.run("participant", "watch", "--server", address, "--room", "watch-room-2", "--identity", "kate", "--token", own, "--token-only");
    await waitFor(() => lines(w).length >= 1, "the first token");
    expect(lines(w)[0]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    w.signals.get("SIGINT")!();
    expect(await watching).toBe(0);
    expect(w.err()).toBe("");
  });

  it("signs a fresh admin token and watches on when the one it signed expires (a stream lives only as long as its token)", async () => {
    const w = cli();
    // A server on the CLI's own clock, so moving that clock expires the admin token the CLI signed.
    const dir = mkdtempSync(join(tmpdir(), "roomgate-cli-watch-expiry-"));
    const own = await startTestServer(dir, {}, w.clock);
    try {
      const ownAddress = `127.0.0.1:${own.server.grpcPort}`;
      const joinTok = mintToken(createHmacKey(API_KEY, API_SECRET), { grants: { identity: "lea", video: { roomJoin: true, room: "expiry-room" } }, ttlSeconds: 7200 }, nowSeconds(w.clock)).token;
      await own.client.participants.joinRoom({ token: joinTok });
      const watching = w.run("participant", "watch", "--server", ownAddress, "--room", "expiry-room", "--identity", "lea");
      await waitFor(() => lines(w).length >= 1, "the first token");
      // Past the 10 min admin token plus the 60 s leeway: the server ends the stream, the CLI reconnects.
      w.clock.advance(661_000);
      await waitFor(() => lines(w).length >= 2, "the token after reconnecting");
      expect(JSON.parse(lines(w)[1]!)).toMatchObject({ cause: "refreshed", version: 1 });
      w.signals.get("SIGINT")!();
      expect(await watching).toBe(0);
      expect(w.err()).toBe("");
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails 1 with the reason when there is nobody to watch", async () => {
    const w = cli();
    expect(await w.run("participant", "watch", "--server", address, "--room", "watch-room-3", "--identity", "nobody")).toBe(1);
    expect(w.err()).toBe("roomgate: participant_not_found: participant not found\n");
  });
});

describe("participant errors", () => {
  async function fails(argv: string[], code: number, stderr: string, env?: Record<string, string>): Promise<void> {
    const h = cli(env);
    expect(await h.run("participant", ...argv)).toBe(code);
    expect(h.err()).toBe(stderr);
    expect(h.out()).toBe("");
  }

  it("prints the server's reason and message and exits 1", async () => {
    await fails(["get", "--server", address, "--room", "err-room", "--identity", "nobody"], 1, "roomgate: participant_not_found: participant not found\n");
    const otherRoom = mint(undefined, { roomAdmin: true, room: "other-room" });
    await fails(["list", "--server", address, "--room", "err-room", "--token", otherRoom], 1, 'roomgate: grant_missing: permission denied: roomAdmin required for room "err-room"\n', {});
    await fails(["list", "--server", address, "--room", "err-room", "--api-key", API_KEY, "--api-secret", "not-the-secret"], 1,
      `roomgate: token_signature_invalid: the server refused the admin token this command signed with API key "${API_KEY}" for room "err-room": token signature is invalid\n`);
    await fails(["list", "--server", address, "--room", "err-room", "--token", "not.a.token"], 1, "roomgate: token_malformed: token is malformed\n", {});
    await fails(["update", "--server", address, "--room", "err-room", "--identity", "nobody", "--name", "x"], 1, "roomgate: participant_not_found: participant not found\n");
  });

  it("says when the server cannot be reached (exit 1)", async () => {
    await fails(["list", "--server", "127.0.0.1:1", "--room", "r"], 1, "roomgate: unavailable: cannot reach roomgate at 127.0.0.1:1\n");
  });

  it("exits 2 with a clear message when there are no credentials", async () => {
    await fails(["list", "--server", address, "--room", "r"], 2,
      "roomgate: usage: missing credentials: pass --api-key and --api-secret (or set LIVEKIT_API_KEY and LIVEKIT_API_SECRET), or an admin token with --token (or ROOMGATE_TOKEN)\nRun 'roomgate participant list --help' for usage.\n", {});
  });

  const usage = (cmd: string, message: string) => `roomgate: usage: ${message}\nRun 'roomgate participant ${cmd ? `${cmd} ` : ""}--help' for usage.\n`;

  it("exits 2 on flag mistakes, before touching the network or the credentials", async () => {
    const upd = ["update", "--room", "r", "--identity", "i"];
    const cases: [string[], string][] = [
      [["list", "--room", "r", "--nope"], usage("list", "unknown flag --nope")],
      [["list"], usage("list", "missing --room")],
      [["get", "--room", "r"], usage("get", "missing --identity")],
      [["get", "i"], usage("get", "missing --room")],
      [["remove", "--room", "r", "a", "b"], usage("remove", "expected at most 1 positional argument")],
      [["get", "--room", "r", "--identity", "a", "b"], usage("get", "the identity is given twice (--identity and ID)")],
      [[...upd, "--permission", "{bad"], usage("update", "--permission is not valid JSON")],
      [[...upd, "--permission", "[true]"], usage("update", "--permission must be a JSON object of ParticipantPermission fields")],
      [[...upd, "--permission", '{"canPublishSources":["webcam"]}'], usage("update", 'unknown source "webcam" in --permission (one of camera, microphone, screen_share, screen_share_audio)')],
      [[...upd, "--permission", '{"canPublish":"yes"}'], usage("update", '--permission field "canPublish" must be true or false')],
      [[...upd, "--permission", '{"canUpdateOwnMetadata":true}'], usage("update", '--permission has an unknown field "canUpdateOwnMetadata" (fields: canSubscribe, canPublish, canPublishData, canPublishSources, hidden, recorder, canUpdateMetadata, agent, canSubscribeMetrics, canManageAgentSession)')],
      [[...upd, "--allow-source", "webcam"], usage("update", 'unknown source "webcam" in --allow-source (one of camera, microphone, screen_share, screen_share_audio)')],
      [[...upd, "--can-publish", "yes"], usage("update", "--can-publish takes true or false")],
      [[...upd, "--permission", "{}", "--can-publish", "true"], usage("update", "--permission and --can-publish/--can-subscribe/--can-publish-data/--allow-source are mutually exclusive")],
      [[...upd], usage("update", "nothing to update: pass --name, --metadata, --attribute, --permission or a --can-* / --allow-source flag")],
      [[...upd, "--attribute", "novalue"], usage("update", '--attribute must be KEY=VALUE (got "novalue")')],
      [["list", "--room", "r", "--token", "t", "--api-key", "k"], usage("list", "--token and --api-key/--api-secret are mutually exclusive")],
      [["list", "--room", "r", "--server", "nohost"], usage("list", '--server must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got "nohost")')],
      [["list", "--room", "r", "--server", "[::1]:99999"], usage("list", '--server must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got "[::1]:99999")')],
      [["list", "--room", "r", "--server", "[roomgate]:7890"], usage("list", '--server must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got "[roomgate]:7890")')],
      [["list", "--room", "r", "--server", ":7890"], usage("list", '--server must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got ":7890")')],
      [["frobnicate"], usage("", 'unknown subcommand "frobnicate" (join, list, get, update, remove or watch)')],
      [[], usage("", "missing subcommand: join, list, get, update, remove or watch")],
    ];
    for (const [argv, stderr] of cases) await fails(argv, 2, stderr);
  });

  it("reports a bad ROOMGATE_SERVER or LIVEKIT_URL by name", async () => {
    const keys = { LIVEKIT_API_KEY: API_KEY, LIVEKIT_API_SECRET: API_SECRET };
    await fails(["list", "--room", "r"], 2, usage("list", 'ROOMGATE_SERVER must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got "nohost")'), { ROOMGATE_SERVER: "nohost", ...keys });
    await fails(["list", "--room", "r"], 2, usage("list", 'LIVEKIT_URL must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got "x")'), { LIVEKIT_URL: "x", ...keys });
    await fails(["list", "--room", "r"], 2, usage("list", 'LIVEKIT_URL must be a plain http(s)://HOST:PORT URL (got "http://h:1/?a=b")'), { LIVEKIT_URL: "http://h:1/?a=b", ...keys });
  });
});

describe("participant help", () => {
  it("documents that a permission replaces the whole set", async () => {
    const h = cli();
    expect(await h.run("participant", "update", "--help")).toBe(0);
    expect(h.out()).toContain("A permission REPLACES THE WHOLE PERMISSION SET (LiveKit semantics)");
    const top = cli();
    expect(await top.run("participant", "--help")).toBe(0);
    expect(top.out()).toContain("roomgate participant watch --room ROOM --identity ID");
    for (const sub of ["list", "get", "remove", "watch"]) {
      const s = cli();
      expect(await s.run("participant", sub, "-h")).toBe(0);
      expect(s.out()).toContain(`Usage: roomgate participant ${sub}`);
    }
  });
});

describe("bin/roomgate.js participant", () => {
  it("lists through the real entry point", async () => {
    await joinRoom("bin-room", "lena");
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("LIVEKIT_") && !k.startsWith("ROOMGATE_")));
    // Asynchronous on purpose: the server lives in this process and must keep answering.
    const child = spawn(process.execPath, ["bin/roomgate.js", "participant", "list", "--room", "bin-room", "--server", address, "--json"], {
      cwd: root,
      env: { ...clean, LIVEKIT_API_KEY: API_KEY, LIVEKIT_API_SECRET: API_SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ participants: [{ identity: "lena", state: "active", room: "bin-room" }] });
  });
});
