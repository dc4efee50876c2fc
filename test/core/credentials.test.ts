import { describe, expect, it } from "vitest";
import { hashCredential, matchClient, parseCredentialHash } from "../../src/core/credentials.js";

const DEVCLIENT_SHA256 = "44d3ea2fb9a44eb1f6f96a33a7ab0b6c775a04ea2ccd89bf731a9430f03d6bbf";

describe("hashCredential", () => {
  it("is the hex SHA-256 of the UTF-8 credential", () => {
    expect(hashCredential("devclient")).toBe(DEVCLIENT_SHA256);
    expect(hashCredential("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // Non-ASCII credentials are hashed as their UTF-8 bytes (what `printf 'clé-🔑' | sha256sum` prints).
    expect(hashCredential("clé-🔑")).toBe("26253e5f26eabf0b67ccfade68b830ef32a1cc9b1f4df6a2fddf59506276ad50");
  });

  it("matches a non-ASCII credential against its configured hash", () => {
    const client = parseCredentialHash("intl", "26253e5f26eabf0b67ccfade68b830ef32a1cc9b1f4df6a2fddf59506276ad50");
    expect(matchClient([client], "clé-🔑")).toBe(client);
    expect(matchClient([client], "cle-🔑")).toBeUndefined();
  });
});

describe("parseCredentialHash", () => {
  it("accepts 64 hex digits in either case", () => {
    const lower = parseCredentialHash("web", DEVCLIENT_SHA256);
    const upper = parseCredentialHash("web", DEVCLIENT_SHA256.toUpperCase());
    expect(lower.name).toBe("web");
    expect(lower.sha256).toHaveLength(32);
    expect(upper.sha256.equals(lower.sha256)).toBe(true);
  });

  it.each([
    ["63 digits", DEVCLIENT_SHA256.slice(1)],
    ["65 digits", `${DEVCLIENT_SHA256}0`],
    ["a non-hex digit", `g${DEVCLIENT_SHA256.slice(1)}`],
    ["surrounding whitespace", ` ${DEVCLIENT_SHA256}`],
    ["the plain credential", "devclient"],
  ])("refuses %s, naming the client and not the value", (_what, hex) => {
    expect(() => parseCredentialHash("web", hex)).toThrow('client "web": sha256 must be 64 hex digits');
  });
});

describe("matchClient", () => {
  const clients = [
    parseCredentialHash("web", hashCredential("web-credential")),
    parseCredentialHash("dev", DEVCLIENT_SHA256),
  ];

  it("finds the client a credential belongs to", () => {
    expect(matchClient(clients, "devclient")?.name).toBe("dev");
    expect(matchClient(clients, "web-credential")?.name).toBe("web");
  });

  it("finds nothing for a wrong, empty or hashed credential", () => {
    expect(matchClient(clients, "devclient ")).toBeUndefined();
    expect(matchClient(clients, "")).toBeUndefined();
    expect(matchClient(clients, DEVCLIENT_SHA256)).toBeUndefined();
    expect(matchClient([], "devclient")).toBeUndefined();
  });

  it("returns the first of two clients sharing a credential", () => {
    const twins = [parseCredentialHash("first", DEVCLIENT_SHA256), parseCredentialHash("second", DEVCLIENT_SHA256)];
    expect(matchClient(twins, "devclient")?.name).toBe("first");
  });
});
