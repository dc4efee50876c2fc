import { describe, expect, it } from "vitest";
import { harness } from "./cli-harness.js";

describe("roomgate dispatch", () => {
  it("--version and -v print the version", async () => {
    for (const flag of ["--version", "-v", "version"]) {
      const h = harness();
      expect(await h.run(flag)).toBe(0);
      expect(h.out()).toBe("roomgate 9.9.9-test\n");
    }
  });

  it("--help lists the commands on stdout; no arguments prints it on stderr with exit 2", async () => {
    const h = harness();
    expect(await h.run("--help")).toBe(0);
    for (const c of ["serve", "token create", "token verify", "token decode", "participant"]) expect(h.out()).toContain(c);
    const bare = harness();
    expect(await bare.run()).toBe(2);
    expect(bare.err()).toContain("Usage:");
  });

  it("unknown commands and flags exit 2", async () => {
    const h = harness();
    expect(await h.run("mint")).toBe(2);
    expect(h.err()).toBe("roomgate: usage: unknown command \"mint\"\nRun 'roomgate --help' for usage.\n");
    expect(await h.run("--verbose")).toBe(2);
    expect(h.err()).toContain("unknown flag --verbose");
  });

  it("token needs a known subcommand; token --help lists them", async () => {
    const h = harness();
    expect(await h.run("token")).toBe(2);
    expect(h.err()).toContain("missing subcommand");
    expect(await h.run("token", "sign")).toBe(2);
    expect(h.err()).toContain('unknown subcommand "sign"');
    expect(await h.run("token", "--help")).toBe(0);
    expect(h.out()).toContain("roomgate token verify TOKEN");
  });

  it("every command has --help", async () => {
    for (const argv of [["serve"], ["token", "create"], ["token", "verify"], ["token", "decode"], ["participant"]]) {
      const h = harness();
      expect(await h.run(...argv, "--help")).toBe(0);
      expect(h.out()).toMatch(/^Usage/);
    }
  });

  it("participant dispatches its subcommands and refuses unknown ones (exit 2)", async () => {
    const h = harness();
    expect(await h.run("participant", "list")).toBe(2);
    expect(h.err()).toContain("missing --room");
    expect(await h.run("participant", "kick")).toBe(2);
    expect(h.err()).toContain('unknown subcommand "kick" (join, list, get, update, remove or watch)');
  });
});
