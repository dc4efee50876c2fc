import { describe, expect, it } from "vitest";
import { createHmacKey } from "../../src/core/hmac-key.js";

describe("createHmacKey", () => {
  it("uses the secret's UTF-8 bytes as the HMAC key, as LiveKit does", () => {
    const key = createHmacKey("k", "sécret");
    expect(key.apiKey).toBe("k");
    expect(key.secretBytes).toBe(7);
    expect(key.keyObject.type).toBe("secret");
    expect(key.keyObject.export().equals(Buffer.from("sécret", "utf8"))).toBe(true);
  });
});
