import { describe, expect, it } from "vitest";
import { harness, payloadOf } from "../cli-harness.js";

// lk token create flags the README claims roomgate has: --attribute-file, --agent/--job-metadata, lenient --grant, --valid-for.
const CREDS = ["--api-key", "APIlk", "--api-secret", "lk-parity-secret-0123456789-0123456789"];

async function create(args: string[], files: Record<string, string> = {}) {
  const h = harness({}, files);
  const code = await h.run("token", "create", ...CREDS, "--token-only", ...args);
  return { code, err: h.err(), payload: code === 0 ? payloadOf(h.out().trim()) : {} };
}

describe("token create: lk parity", () => {
  it("--attribute-file reads a JSON object of strings; --attribute wins over it", async () => {
    const files = { "attrs.json": '{"team":"blue","floor":"3"}' };
    const r = await create(["-i", "a", "-r", "r", "--join", "--attribute-file", "attrs.json", "--attribute", "team=red"], files);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.payload.attributes).toEqual({ team: "red", floor: "3" });
  });

  it("--attribute-file refuses what is not a JSON object of strings, and a missing file", async () => {
    const files = { "list.json": '["a"]', "num.json": '{"n":1}', "bad.json": "{" };
    for (const [file, message] of [
      ["list.json", "--attribute-file: list.json must hold a JSON object of string values"],
      ["num.json", "--attribute-file: num.json must hold a JSON object of string values"],
      ["bad.json", "--attribute-file: bad.json is not valid JSON"],
      ["none.json", "--attribute-file: cannot read none.json: ENOENT"],
    ]) {
      const r = await create(["--list", "--attribute-file", file!], files);
      expect([r.code, r.err]).toEqual([2, `roomgate: usage: ${message}\nRun 'roomgate token create --help' for usage.\n`]);
    }
  });

  it("--agent and --job-metadata dispatch an agent through roomConfig, as lk does", async () => {
    const r = await create(["-i", "a", "-r", "r", "--join", "--agent", "support-bot", "--job-metadata", '{"lang":"de"}']);
    expect(r.code).toBe(0);
    expect(r.payload.roomConfig).toEqual({ agents: [{ agentName: "support-bot", metadata: '{"lang":"de"}' }] });
    const bare = await create(["-i", "a", "-r", "r", "--join", "--agent", "support-bot"]);
    expect(bare.payload.roomConfig).toEqual({ agents: [{ agentName: "support-bot" }] });
  });

  it("--job-metadata without --agent is a usage error", async () => {
    const r = await create(["--list", "--job-metadata", "x"]);
    expect([r.code, r.err]).toEqual([2, "roomgate: usage: --job-metadata needs --agent\nRun 'roomgate token create --help' for usage.\n"]);
  });

  it("ignores an unknown --grant field with a warning, as lk's JSON decoding ignores it", async () => {
    const r = await create(["-i", "a", "-r", "r", "--grant", '{"roomJoinn":true,"roomJoin":true,"canPublish":false}']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('roomgate: warning: --grant field "roomJoinn" is not a VideoGrant field; ignored, as lk ignores it\n');
    expect(r.payload.video).toEqual({ roomJoin: true, room: "r", canPublish: false });
  });

  it("--valid-for takes Go durations only: 1.5h works, 1d and -5m are usage errors", async () => {
    const ok = await create(["--list", "--valid-for", "1.5h"]);
    expect((ok.payload.exp as number) - (ok.payload.nbf as number)).toBe(5400);
    const day = await create(["--list", "--valid-for", "1d"]);
    expect([day.code, day.err]).toEqual([2, expect.stringContaining('roomgate: usage: --valid-for: "1d" is not a duration')]);
    const negative = await create(["--list", "--valid-for=-5m"]);
    expect([negative.code, negative.err]).toEqual([2, expect.stringContaining('roomgate: usage: --valid-for must be positive (got "-5m")')]);
  });
});
