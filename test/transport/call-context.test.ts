import { describe, expect, it } from "vitest";
import { bearerCredential } from "../../src/transport/call-context.js";
import { hostOf, isLoopbackHost, splitHostPort } from "../../src/transport/host-port.js";

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
  it("refuses brackets around anything but an IPv6 address, and stray brackets", () => {
    for (const bad of ["[example.com]:80", "[127.0.0.1]:80", "[::1:80", "a[b:80", "a]b:80", "[]:80", " 127.0.0.1:80"]) {
      expect(() => splitHostPort(bad), bad).toThrow(TypeError);
    }
  });
  it("hostOf: the host of HOST:PORT, undefined when there is none", () => {
    expect(hostOf("[::1]:7890")).toBe("::1");
    expect(hostOf("Example.com:1")).toBe("Example.com");
    for (const bad of [":7890", "7890", "h:65536", "[x]:1"]) expect(hostOf(bad), bad).toBeUndefined();
  });
  it("knows loopback hosts", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "", "example.com"].some(isLoopbackHost)).toBe(false);
  });
  it("knows loopback hosts in any case and spelling, and only valid 127/8 addresses", () => {
    for (const host of ["LOCALHOST", "LocalHost", "[::1]", "0:0:0:0:0:0:0:1", "::0:1", "127.255.255.254"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["127.999.0.1", "127.1", "127.0.0.01", "::11", "1::1", "::", "localhost.example.com", "128.0.0.1"]) expect(isLoopbackHost(host), host).toBe(false);
  });
});
