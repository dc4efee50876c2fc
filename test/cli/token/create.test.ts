import { TokenVerifier } from "livekit-server-sdk";
import { describe, expect, it } from "vitest";
import { verifyJwt } from "../../../src/core/jwt.js";
import { createHmacKey } from "../../../src/core/hmac-key.js";
import { fakeClient, harness, NOW_MS, payloadOf, type SeenCall } from "../cli-harness.js";

const KEY = "APIcli";
const SECRET = "cli-secret-0123456789-0123456789-abcdef";
const CREDS = ["--api-key", KEY, "--api-secret", SECRET];
const NOW = NOW_MS / 1000;

async function create(...args: string[]) {
  const h = harness();
  const code = await h.run("token", "create", ...CREDS, "--token-only", ...args);
  return { code, token: h.out().trim(), err: h.err(), payload: code === 0 ? payloadOf(h.out().trim()) : {} };
}

async function failure(args: string[], env: Record<string, string> = {}) {
  const h = harness({ env });
  const code = await h.run("token", "create", ...args);
  expect(h.out()).toBe("");
  return { code, err: h.err() };
}

describe("token create: the seed command", () => {
  it("mints a join token whose exp - nbf is the --valid-for", async () => {
    const h = harness();
    const code = await h.run("token", "create", "--api-key", KEY, "--api-secret", SECRET, "--identity", "alice", "--room", "my-room", "--join", "--valid-for", "1h");
    expect(code).toBe(0);
    const token = /Access token: (\S+)\n$/.exec(h.out())![1]!;
    const p = payloadOf(token);
    expect((p.exp as number) - (p.nbf as number)).toBe(3600);
    expect(p).toMatchObject({ iss: KEY, sub: "alice", nbf: NOW, iat: NOW, name: "alice", video: { roomJoin: true, room: "my-room" } });
    const claims = await new TokenVerifier(KEY, SECRET).verify(token, 1_000_000_000);
    expect(claims.video).toEqual({ roomJoin: true, room: "my-room" });
  });
});

describe("token create: output formats (like lk)", () => {
  const args = ["token", "create", ...CREDS, "-i", "bob", "-r", "r1", "--join"];

  it("prints 'Token grants:', indented JSON, a blank line and 'Access token:' by default", async () => {
    const h = harness();
    expect(await h.run(...args)).toBe(0);
    const token = /Access token: (\S+)/.exec(h.out())![1];
    expect(h.out()).toBe(
      `Token grants:\n${JSON.stringify({ identity: "bob", name: "bob", video: { roomJoin: true, room: "r1" } }, null, 2)}\n\nAccess token: ${token}\n`,
    );
  });

  it("--json prints access_token, identity, name, room and grants", async () => {
    const h = harness();
    expect(await h.run(...args, "--json")).toBe(0);
    const out = JSON.parse(h.out()) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["access_token", "identity", "name", "room", "grants"]);
    expect(out).toMatchObject({ identity: "bob", name: "bob", room: "r1", grants: { identity: "bob", video: { roomJoin: true, room: "r1" } } });
    expect(payloadOf(out.access_token as string).sub).toBe("bob");
  });

  it("-j is --json", async () => {
    const h = harness();
    expect(await h.run(...args, "-j")).toBe(0);
    expect(JSON.parse(h.out())).toHaveProperty("access_token");
  });

  it("--json prints empty strings for an absent identity, name and room", async () => {
    const h = harness();
    expect(await h.run("token", "create", ...CREDS, "--list", "--json")).toBe(0);
    expect(JSON.parse(h.out())).toMatchObject({ identity: "", name: "", room: "", grants: { video: { roomList: true } } });
  });

  it("--token-only prints only the JWT", async () => {
    const h = harness();
    expect(await h.run(...args, "--token-only")).toBe(0);
    expect(h.out()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it("--json and --token-only are mutually exclusive", async () => {
    const r = await failure([...args.slice(2), "--json", "--token-only"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--json and --token-only are mutually exclusive");
  });
});

describe("token create: grant flags", () => {
  it.each([
    ["--admin", { roomAdmin: true }],
    ["--create", { roomCreate: true }],
    ["--list", { roomList: true }],
    ["--egress", { roomRecord: true }],
    ["--ingress", { ingressAdmin: true }],
  ])("%s", async (flag, video) => {
    const { code, payload } = await create(flag, "--room", "r");
    expect(code).toBe(0);
    expect(payload.video).toEqual({ ...video, room: "r" });
  });

  it("--allow-update-metadata and --hidden", async () => {
    const { payload } = await create("--join", "-i", "a", "-r", "r", "--allow-update-metadata", "--hidden");
    expect(payload.video).toEqual({ roomJoin: true, room: "r", canUpdateOwnMetadata: true, hidden: true });
  });

  it("--allow-source is repeatable and comma-separated", async () => {
    const { payload } = await create("--join", "-i", "a", "-r", "r", "--allow-source", "camera,microphone", "--allow-source", "screen_share");
    expect((payload.video as Record<string, unknown>).canPublishSources).toEqual(["camera", "microphone", "screen_share"]);
  });

  it("--allow-source refuses unknown sources like lk", async () => {
    const r = await failure([...CREDS, "--join", "-i", "a", "-r", "r", "--allow-source", "webcam"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("invalid source: webcam");
  });

  it("--can-publish/--can-subscribe/--can-publish-data are tri-state", async () => {
    const unset = await create("--join", "-i", "a", "-r", "r");
    expect(unset.payload.video).toEqual({ roomJoin: true, room: "r" });
    const set = await create("--join", "-i", "a", "-r", "r", "--can-publish", "false", "--can-subscribe", "true", "--can-publish-data=false");
    expect(set.payload.video).toEqual({ roomJoin: true, room: "r", canPublish: false, canSubscribe: true, canPublishData: false });
  });

  it("tri-state flags take only true or false", async () => {
    const r = await failure([...CREDS, "--join", "-i", "a", "-r", "r", "--can-publish", "yes"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--can-publish takes true or false");
    const missing = await failure([...CREDS, "--join", "-i", "a", "-r", "r", "--can-subscribe"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("flag --can-subscribe needs a value");
  });

  it("--sip-admin and --sip-call set the sip grant", async () => {
    const { payload } = await create("--sip-admin", "--sip-call");
    expect(payload.sip).toEqual({ admin: true, call: true });
    expect(payload.video).toBeUndefined();
  });

  it("--inference sets inference.perform", async () => {
    expect((await create("--inference")).payload.inference).toEqual({ perform: true });
  });

  it("--kind sets a LiveKit kind and refuses others", async () => {
    expect((await create("--join", "-i", "a", "-r", "r", "--kind", "agent")).payload.kind).toBe("agent");
    const r = await failure([...CREDS, "--join", "-i", "a", "-r", "r", "--kind", "robot"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("invalid kind: robot");
  });

  it("--kind reads a kind in any case and writes it in lowercase", async () => {
    expect((await create("--join", "-i", "a", "-r", "r", "--kind", "SIP")).payload.kind).toBe("sip");
    expect((await create("--join", "-i", "a", "-r", "r", "--kind", "Agent")).payload.kind).toBe("agent");
  });

  it("--room-config carries a JSON room configuration", async () => {
    const r = await create("--join", "-i", "a", "-r", "r", "--room-config", '{"name":"r","egress":{"tracks":{"filepath":"t","s3":{"bucket":"b"}}}}');
    expect(r.payload.roomConfig).toEqual({ name: "r", egress: { tracks: { filepath: "t", s3: { bucket: "b" } } } });
  });

  it("--room-config refuses egress storage credentials, naming the field and never the secret, as LiveKit's AccessToken does", async () => {
    const r = await failure([...CREDS, "--join", "-i", "a", "-r", "r", "--room-config", '{"egress":{"room":{"fileOutputs":[{"s3":{"secret":"hunter2-secret"}}]}}}']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("claims.room_config.egress.room.file_outputs[0].s3.secret");
    expect(r.err).not.toContain("hunter2");
  });

  it("--room-config must be a JSON object", async () => {
    for (const bad of ["{", "[1]", "null"]) {
      const r = await failure([...CREDS, "--join", "-i", "a", "-r", "r", "--room-config", bad]);
      expect([r.code, r.err]).toEqual([2, expect.stringContaining("--room-config")]);
    }
  });

  it("--name, --metadata and repeatable --attribute k=v", async () => {
    const { payload } = await create("--join", "-i", "a", "-r", "r", "-n", "Alice A.", "--metadata", '{"x":1}', "--attribute", "team=red", "--attribute", "eq=a=b");
    expect(payload).toMatchObject({ name: "Alice A.", metadata: '{"x":1}', attributes: { team: "red", eq: "a=b" } });
  });

  it("--attribute without = is an error", async () => {
    const r = await failure([...CREDS, "--join", "-i", "a", "-r", "r", "--attribute", "novalue"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--attribute must be KEY=VALUE");
  });
});

describe("token create: --grant", () => {
  it("merges JSON into the video grant after the flags", async () => {
    const { payload } = await create("--join", "-i", "a", "-r", "r", "--grant", '{"canPublish":false,"room":"other","recorder":true}');
    expect(payload.video).toEqual({ roomJoin: true, room: "other", canPublish: false, recorder: true });
  });

  it("matches field names case-insensitively, like Go's json.Unmarshal", async () => {
    const { payload } = await create("--grant", '{"roomjoin":true,"ROOM":"r","CanSubscribe":false}', "-i", "a");
    expect(payload.video).toEqual({ roomJoin: true, room: "r", canSubscribe: false });
  });

  it("counts as a permission on its own", async () => {
    expect((await create("--grant", '{"roomList":true}')).payload.video).toEqual({ roomList: true });
  });

  it.each([
    ["not json", "--grant is not valid JSON"],
    ["[1]", "--grant must be a JSON object"],
    ['{"canPublish":"yes"}', '--grant field "canPublish" has the wrong type'],
    ['{"canPublishSources":["webcam"]}', "invalid source: webcam"],
  ])("refuses %s", async (json, message) => {
    const r = await failure([...CREDS, "--grant", json]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  it("the merged grant is still checked: join needs identity and room", async () => {
    const r = await failure([...CREDS, "--grant", '{"roomJoin":true,"room":"r"}']);
    expect(r.err).toContain("a join grant needs --identity");
  });
});

describe("token create: lifetime", () => {
  it("defaults to 5m like lk", async () => {
    const { payload } = await create("--list");
    expect((payload.exp as number) - (payload.nbf as number)).toBe(300);
  });

  it.each([["90s", 90], ["1h30m", 5400], ["2.5h", 9000], ["48h", 172800]])("--valid-for %s", async (d, s) => {
    const { payload } = await create("--list", "--valid-for", d);
    expect((payload.exp as number) - (payload.nbf as number)).toBe(s);
    expect(payload.nbf).toBe(NOW);
  });

  it.each(["forever", "10", "-1h", "500ms", "0"])("refuses --valid-for %s", async (d) => {
    const r = await failure([...CREDS, "--list", "--valid-for", d]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--valid-for/);
  });
});

describe("token create: no invented identity or room", () => {
  it("a join grant without identity is an error", async () => {
    const r = await failure([...CREDS, "--join", "-r", "r"]);
    expect(r).toEqual({ code: 2, err: expect.stringContaining("a join grant needs --identity") });
  });

  it("a join or admin grant without room is an error", async () => {
    expect((await failure([...CREDS, "--join", "-i", "a"])).err).toContain("a join or admin grant needs --room");
    expect((await failure([...CREDS, "--admin"])).err).toContain("needs --room");
  });

  it("no permission at all is an error, as in lk's non-interactive mode", async () => {
    const r = await failure([...CREDS, "-i", "a", "-r", "r"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("specify permissions via flags");
  });
});

describe("token create: credentials", () => {
  it("reads LIVEKIT_API_KEY/LIVEKIT_API_SECRET when the flags are absent", async () => {
    const h = harness({ env: { LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET } });
    expect(await h.run("token", "create", "--list", "--token-only")).toBe(0);
    const v = verifyJwt(h.out().trim(), (k) => (k === KEY ? createHmacKey(KEY, SECRET) : undefined), NOW_MS);
    expect(v.apiKey).toBe(KEY);
  });

  it("flags beat the environment", async () => {
    const h = harness({ env: { LIVEKIT_API_KEY: "APIenv", LIVEKIT_API_SECRET: "env-secret" } });
    expect(await h.run("token", "create", ...CREDS, "--list", "--token-only")).toBe(0);
    expect(payloadOf(h.out().trim()).iss).toBe(KEY);
  });

  it("a missing key or secret is a usage error (exit 2) that says which", async () => {
    expect(await failure(["--list"])).toEqual({
      code: 2,
      err: "roomgate: usage: missing API key: pass --api-key and --api-secret, or set LIVEKIT_API_KEY and LIVEKIT_API_SECRET\nRun 'roomgate token create --help' for usage.\n",
    });
    expect(await failure(["--list", "--api-key", KEY])).toMatchObject({ code: 2, err: expect.stringContaining("roomgate: usage: missing API secret:") });
    expect(await failure(["--list"], { LIVEKIT_API_SECRET: SECRET })).toMatchObject({ code: 2, err: expect.stringContaining("roomgate: usage: missing API key:") });
  });

  it("never prints the secret, even on errors", async () => {
    const r = await failure([...CREDS, "--bogus", "--grant", "{"]);
    expect(r.err).not.toContain(SECRET);
  });
});

describe("token create: flag parsing", () => {
  it("an unknown flag exits 2 and names it", async () => {
    const r = await failure([...CREDS, "--list", "--romo", "x"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("roomgate: usage: unknown flag --romo\nRun 'roomgate token create --help' for usage.\n");
  });

  it("a value for a boolean flag exits 2", async () => {
    const r = await failure([...CREDS, "--join=true"]);
    expect(r).toEqual({ code: 2, err: expect.stringContaining("flag --join takes no value") });
  });

  it("a stray positional exits 2 without echoing it", async () => {
    const r = await failure(["--api-key", KEY, "stray-value", "--list"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unexpected positional argument");
    expect(r.err).not.toContain("stray-value");
  });

  it("--help prints the flags", async () => {
    const h = harness();
    expect(await h.run("token", "create", "--help")).toBe(0);
    for (const flag of ["--api-key", "--allow-source", "--valid-for", "--grant", "--token-only", "--can-publish-data", "--server"]) {
      expect(h.out()).toContain(flag);
    }
  });
});

describe("token create --server", () => {
  // A fake CreateToken that grants what was asked, up to `maxTtl` seconds.
  function server(seen: SeenCall[], maxTtl = Infinity) {
    return fakeClient(seen, (_method, req) => {
      const r = req as unknown as { claims: unknown; ttl?: { seconds: bigint }; apiKey: string };
      const ttl = Math.min(Number(r.ttl?.seconds ?? 0n), maxTtl);
      return { token: "eyJ.remote.token", apiKey: "APIsrv", claims: r.claims as never, issuedAt: { seconds: 1n }, notBefore: { seconds: 1n }, expiresAt: { seconds: BigInt(1 + ttl) } };
    });
  }

  it("calls CreateToken with the grants, ttl, key and credential", async () => {
    const seen: SeenCall[] = [];
    const addresses: string[] = [];
    const h = harness({
      connect: async (o) => {
        addresses.push(o.address);
        return server(seen);
      },
    });
    const code = await h.run("token", "create", "--server", "localhost:7890", "--credential", "cred", "--api-key", "APIsrv", "-i", "a", "-r", "r", "--join", "--valid-for", "1h", "--token-only");
    expect(code).toBe(0);
    expect(h.out()).toBe("eyJ.remote.token\n");
    expect(h.err()).toBe("valid for (mins): 60\n");
    expect(addresses).toEqual(["localhost:7890"]);
    expect(seen.map((c) => c.method)).toEqual(["CreateToken", "close"]);
    const req = seen[0]!.req as unknown as { claims: { identity: string; name: string; video: { roomJoin: boolean; room: string } }; ttl: { seconds: bigint }; apiKey: string };
    expect([req.claims.identity, req.claims.name, req.claims.video.roomJoin, req.claims.video.room, req.ttl.seconds, req.apiKey, seen[0]!.bearer])
      .toEqual(["a", "a", true, "r", 3600n, "APIsrv", "cred"]);
  });

  it("takes an http(s):// URL (Twirp) as well as HOST:PORT (gRPC)", async () => {
    const addresses: string[] = [];
    const h = harness({ connect: async (o) => (addresses.push(o.address), server([])) });
    expect(await h.run("token", "create", "--server", "http://127.0.0.1:7891/", "--credential", "c", "--list", "--token-only")).toBe(0);
    expect(await h.run("token", "create", "--server", "https://roomgate.example:443", "--credential", "c", "--list", "--token-only")).toBe(0);
    expect(addresses).toEqual(["http://127.0.0.1:7891", "https://roomgate.example"]);
  });

  it("warns on stderr when the server cut the lifetime, and prints lk's valid-for line", async () => {
    const h = harness({ connect: async () => server([], 600) });
    expect(await h.run("token", "create", "--server", "127.0.0.1:1", "--credential", "c", "--list", "--valid-for", "2h", "--token-only")).toBe(0);
    expect(h.out()).toBe("eyJ.remote.token\n");
    expect(h.err()).toBe("roomgate: warning: the server cut the lifetime to 600s (its max_ttl or the client's policy); asked for 7200s\nvalid for (mins): 10\n");
  });

  it("reads ROOMGATE_CREDENTIAL", async () => {
    const seen: SeenCall[] = [];
    const h = harness({ env: { ROOMGATE_CREDENTIAL: "env-cred" }, connect: async () => server(seen) });
    expect(await h.run("token", "create", "--server", "127.0.0.1:1", "--list", "--token-only")).toBe(0);
    expect([seen[0]!.bearer, (seen[0]!.req as unknown as { apiKey: string }).apiKey]).toEqual(["env-cred", ""]);
  });

  it("a missing credential, --api-secret and a bad address are usage errors (exit 2)", async () => {
    const h = harness({ connect: async () => server([]) });
    expect(await h.run("token", "create", "--server", "127.0.0.1:1", "--list")).toBe(2);
    expect(h.err()).toContain("roomgate: usage: missing client credential: pass --credential or set ROOMGATE_CREDENTIAL");
    expect(await h.run("token", "create", "--server", "127.0.0.1:1", "--credential", "c", "--api-secret", "s", "--list")).toBe(2);
    expect(await h.run("token", "create", "--server", "nohostport", "--credential", "c", "--list")).toBe(2);
    expect(h.err()).toContain('roomgate: usage: --server must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got "nohostport")');
  });

  it("--credential without --server is a usage error", async () => {
    expect((await failure([...CREDS, "--list", "--credential", "c"])).code).toBe(2);
  });
});
