import { describe, expect, it } from "vitest";
import { DEFAULT_PARTICIPANT_SETTINGS } from "../../src/config/server-config.js";
import { MAX_KEY_BYTES } from "../../src/participants/update-rules.js";
import { harness, joinGrants, joinToken } from "./fixtures.js";

const limits = { nameBytes: 4, metadataBytes: 5, attributesBytes: 6 };

describe("registry: join applies LiveKit's size limits", () => {
  it("refuses identity or room over 256 bytes and accepts exactly 256", async () => {
    const h = await harness();
    // "é" is two UTF-8 bytes: 128 of them are exactly the limit.
    const atLimit = "é".repeat(MAX_KEY_BYTES / 2);
    const over = `${atLimit}a`;
    await expect(h.registry.join(joinToken(h.keys, h.clock, joinGrants(over, { name: "n" })))).rejects.toMatchObject({ reason: "invalid_argument", field: "identity" });
    await expect(h.registry.join(joinToken(h.keys, h.clock, joinGrants("a", { video: { roomJoin: true, room: over } }))))
      .rejects.toMatchObject({ reason: "invalid_argument", field: "room" });
    await expect(h.registry.join(joinToken(h.keys, h.clock, joinGrants(atLimit, { name: "n", video: { roomJoin: true, room: atLimit } })))).resolves.toBeDefined();
    expect(await h.registry.list("r1")).toEqual([]);
  });

  it.each([
    ["name", { name: "12345" }],
    ["metadata", { metadata: "123456" }],
    ["attributes", { attributes: { abc: "defg" } }],
  ] as const)("refuses %s over the configured limit and stores nothing", async (field, extra) => {
    const h = await harness({ settings: { ...DEFAULT_PARTICIPANT_SETTINGS, limits } });
    await expect(h.registry.join(joinToken(h.keys, h.clock, joinGrants("a", { name: "n", ...extra })))).rejects.toMatchObject({ reason: "invalid_argument", code: "INVALID_ARGUMENT", field });
    expect(await h.store.get("r1", "a")).toBeUndefined();
  });

  it("accepts values exactly at the configured limits", async () => {
    const h = await harness({ settings: { ...DEFAULT_PARTICIPANT_SETTINGS, limits } });
    const t = joinToken(h.keys, h.clock, joinGrants("a", { name: "1234", metadata: "12345", attributes: { abc: "def" } }));
    expect((await h.registry.join(t)).participant).toMatchObject({ name: "1234", metadata: "12345", attributes: { abc: "def" } });
  });
});
