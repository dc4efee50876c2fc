import { describe, expect, it } from "vitest";
import { harness } from "./cli-harness.js";

// Contract §15: every command but serve prints errors as `roomgate: <reason>: <message>`; exit 1 refused/failed, 2 usage.
describe("one output style", () => {
  it.each([
    [["mint"], 2, "usage"],
    [["token"], 2, "usage"],
    [["token", "create", "--list"], 2, "usage"],
    [["token", "create", "--api-key", "k", "--api-secret", "s", "--nope"], 2, "usage"],
    [["token", "verify", "x.y.z"], 2, "usage"],
    [["token", "verify", "--api-key", "APIk", "--api-secret", "s".repeat(32), "not-a-token"], 1, "token_malformed"],
    [["token", "decode", "abc"], 1, "token_malformed"],
    [["token", "decode", "a.b.c"], 1, "token_malformed"],
    [["participant", "list"], 2, "usage"],
    [["participant", "list", "--room", "r"], 2, "usage"],
    [["participant", "list", "--room", "r", "--url", "ftp://x"], 2, "usage"],
    [["participant", "join"], 2, "usage"],
    [["participant", "list", "--room", "r", "--url", "127.0.0.1:1", "--token", "t"], 1, "unavailable"],
  ])("roomgate %j fails with exit %i and reason %s", async (argv, code, reason) => {
    const h = harness();
    expect(await h.run(...argv)).toBe(code);
    expect(h.out()).toBe("");
    expect(h.err()).toMatch(new RegExp(`^roomgate: ${reason}: \\S[^\\n]*\\n(Run 'roomgate [a-z ]*--help' for usage\\.\\n)?$`));
  });

  it("roomgate --help lists every command, participant join included", async () => {
    const h = harness();
    expect(await h.run("--help")).toBe(0);
    for (const command of ["roomgate serve", "roomgate token create", "roomgate token verify", "roomgate token decode", "roomgate participant join TOKEN", "roomgate participant list|get|update|remove|watch"]) {
      expect(h.out()).toContain(command);
    }
  });
});
