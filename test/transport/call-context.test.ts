import { describe, expect, it } from "vitest";
import { bearerCredential } from "../../src/transport/call-context.js";
import { isLoopbackHost, splitHostPort } from "../../src/transport/host-port.js";

describe("bearerCredential", () => {
  it.each([
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["Bearer   abc  ", "abc"],
    ["Basic abc", undefined],
    ["Bearer", undefined],
    ["Bearer a b", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%j → %j", (header, expected) => {
    expect(bearerCredential(header)).toBe(expected);
  });
});

describe("host and port", () => {
  it("splits IPv4, names and bracketed IPv6", () => {
    expect(splitHostPort("127.0.0.1:7890")).toEqual({ host: "127.0.0.1", port: 7890 });
    expect(splitHostPort("localhost:0")).toEqual({ host: "localhost", port: 0 });
    expect(splitHostPort("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(splitHostPort(":7890")).toEqual({ host: "", port: 7890 });
  });
  it("refuses what is not HOST:PORT", () => {
    for (const bad of ["7890", "host", "host:99999", "host:port", "::1:80"]) expect(() => splitHostPort(bad)).toThrow(TypeError);
  });
  it("knows loopback hosts", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "", "example.com"].some(isLoopbackHost)).toBe(false);
  });
});
