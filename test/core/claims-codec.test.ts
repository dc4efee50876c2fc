import { describe, expect, it } from "vitest";
import { encodePayload, MAX_JSON_DEPTH, MAX_TIME_SECONDS, MIN_TIME_SECONDS, parsePayload, type ParsedPayload, type RegisteredClaims } from "../../src/core/claims-codec.js";
import { RoomgateError, type Reason } from "../../src/core/errors.js";
import type { ClaimGrants, JsonObject } from "../../src/core/grants.js";
import { loadVector } from "./support.js";

type EncodeRegistered = Required<Pick<RegisteredClaims, "iss" | "exp" | "nbf" | "iat">> & { sub?: string };

interface ClaimsVectors {
  parse: { name: string; payload: unknown; expect: ParsedPayload | { error: Reason } }[];
  encode: { name: string; registered: EncodeRegistered; grants: ClaimGrants; payload: Record<string, unknown> }[];
  roundTrip: { name: string; grants: ClaimGrants }[];
}

const vectors = loadVector<ClaimsVectors>("claims.json");
const REG: EncodeRegistered = { iss: "k", exp: 2, nbf: 1, iat: 1 };

function nested(levels: number): JsonObject {
  let o: JsonObject = {};
  for (let i = 1; i < levels; i++) o = { n: o };
  return o;
}

describe("parsePayload: claims.json", () => {
  it.each(vectors.parse.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    if ("error" in v.expect) {
      const reason = v.expect.error;
      expect(() => parsePayload(v.payload)).toThrow(expect.objectContaining({ reason, code: "UNAUTHENTICATED" }));
      expect(() => parsePayload(v.payload)).toThrow(RoomgateError);
    } else {
      expect(parsePayload(v.payload)).toStrictEqual(v.expect);
    }
  });
});

describe("encodePayload: claims.json", () => {
  it.each(vectors.encode.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const out = encodePayload(v.registered, v.grants);
    expect(out).toStrictEqual(v.payload);
    expect(Object.keys(out)).toEqual(Object.keys(v.payload));
  });
});

describe("encode then parse: claims.json", () => {
  it.each(vectors.roundTrip.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const wire = JSON.parse(JSON.stringify(encodePayload(REG, v.grants))) as unknown;
    expect(parsePayload(wire).grants).toStrictEqual(v.grants);
  });
});

describe("times", () => {
  it("must fit protobuf's Timestamp range (years 1–9999), so every reply can carry them", () => {
    expect(parsePayload({ exp: MAX_TIME_SECONDS, nbf: MIN_TIME_SECONDS }).registered).toEqual({ exp: MAX_TIME_SECONDS, nbf: MIN_TIME_SECONDS });
    for (const bad of [{ exp: MAX_TIME_SECONDS + 1 }, { nbf: MIN_TIME_SECONDS - 1 }, { iat: 1e19 }]) {
      expect(() => parsePayload(bad)).toThrow(expect.objectContaining({ reason: "token_malformed" }));
    }
  });
});

describe("lone surrogates", () => {
  it("become U+FFFD, as Go's decoder and every UTF-8 hop make them, so identities and rooms match what admins name", () => {
    const payload = JSON.parse('{"sub":"bob\\ud800","video":{"room":"r\\udc00"},"attributes":{"k\\ud800":"v\\udfff"},"kindDetails":["x\\ud800"]}') as unknown;
    const { registered, grants } = parsePayload(payload);
    expect(registered.sub).toBe("bob\ufffd");
    expect(grants.video?.room).toBe("r\ufffd");
    expect(grants.attributes).toEqual({ "k\ufffd": "v\ufffd" });
    expect(grants.kindDetails).toEqual(["x\ufffd"]);
  });
});

describe("roomConfig depth", () => {
  it(`accepts ${MAX_JSON_DEPTH} nested levels`, () => {
    const roomConfig = nested(MAX_JSON_DEPTH);
    expect(parsePayload({ roomConfig }).grants.roomConfig).toStrictEqual(roomConfig);
  });

  it(`refuses ${MAX_JSON_DEPTH + 1} nested levels`, () => {
    expect(() => parsePayload({ roomConfig: nested(MAX_JSON_DEPTH + 1) })).toThrow(expect.objectContaining({ reason: "token_malformed" }));
  });

  it("refuses non-finite numbers, which JSON.parse makes of 1e999 and Go's decoder refuses", () => {
    const payload = JSON.parse('{"roomConfig":{"emptyTimeout":1e999}}') as unknown;
    expect(() => parsePayload(payload)).toThrow(expect.objectContaining({ reason: "token_malformed" }));
    expect(parsePayload({ roomConfig: { emptyTimeout: 1e300 } }).grants.roomConfig).toEqual({ emptyTimeout: 1e300 });
  });

  it("counts arrays as levels too", () => {
    let v: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) v = [v];
    expect(() => parsePayload({ roomConfig: { agents: v } })).toThrow(expect.objectContaining({ reason: "token_malformed" }));
  });
});

describe("parsePayload copies", () => {
  it("does not hand back the caller's grant objects", () => {
    const payload = { video: { roomJoin: true, room: "r" }, sip: { call: true } };
    const { grants } = parsePayload(payload);
    grants.video!.room = "other";
    grants.sip!.admin = true;
    expect(payload).toStrictEqual({ video: { roomJoin: true, room: "r" }, sip: { call: true } });
  });
});

describe("encodePayload identityClaim option", () => {
  const g: ClaimGrants = { identity: "c1", name: "n", video: { roomJoin: true, room: "r" } };

  it("writes identity right after the registered claims, as LiveKit's refreshed tokens do", () => {
    const out = encodePayload({ ...REG, sub: "c1" }, g, { identityClaim: true });
    expect(Object.keys(out)).toEqual(["iss", "sub", "exp", "nbf", "iat", "identity", "name", "video"]);
    expect(out.identity).toBe("c1");
  });

  it("leaves other tokens without it, and omits an empty identity", () => {
    expect(encodePayload({ ...REG, sub: "c1" }, g)).not.toHaveProperty("identity");
    expect(encodePayload({ ...REG, sub: "c1" }, g, {})).not.toHaveProperty("identity");
    expect(encodePayload(REG, { ...g, identity: "" }, { identityClaim: true })).not.toHaveProperty("identity");
  });
});
