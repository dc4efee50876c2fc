import { describe, expect, it } from "vitest";
import { manualClock, nowSeconds } from "../../src/core/clock.js";
import { createHmacKey, type HmacKey } from "../../src/core/hmac-key.js";
import type { MintedToken } from "../../src/core/minting.js";
import type { ParticipantRecord } from "../../src/participants/model.js";
import { mintRefreshToken } from "../../src/participants/refresh.js";
import { createSharedTokens, MIN_SHARED_LIFETIME_LEFT } from "../../src/participants/shared-tokens.js";
import { record, T0_MS } from "./fixtures.js";

const T0 = T0_MS / 1000;

function setup() {
  const clock = manualClock(T0_MS);
  let key: HmacKey = createHmacKey("APIa", "a-secret-that-is-at-least-32-bytes-long!");
  let mark: number | undefined;
  const minted: MintedToken[] = [];
  const tokens = createSharedTokens({
    signingKey: () => key,
    mint: (k, r) => {
      const t = mintRefreshToken(k, r, nowSeconds(clock), 600, mark);
      minted.push(t);
      return t;
    },
    nowSec: () => nowSeconds(clock),
    revokedThrough: () => mark,
  });
  return {
    clock, tokens, minted,
    setKey: (k: HmacKey) => void (key = k),
    setMark: (m: number) => void (mark = m),
  };
}

// A join token that expired at T0 + 1000: refreshed tokens live 1000 s from T0 (more than the 600 s minimum).
const rec = (version: number, overrides: Partial<ParticipantRecord> = {}) => record("a", { version, joinExpiresAt: T0 + 1000, ...overrides });

describe("shared refreshed tokens", () => {
  it("mints once per participant version and hands every caller the same token", () => {
    const s = setup();
    const first = s.tokens.tokenFor(rec(1));
    for (let i = 0; i < 50; i++) expect(s.tokens.tokenFor(rec(1))).toBe(first);
    expect(s.minted).toHaveLength(1);
    const next = s.tokens.tokenFor(rec(2));
    expect(next).not.toBe(first);
    expect(s.minted).toHaveLength(2);
    expect(s.tokens.size).toBe(1);
  });

  it("shares a token only while it has at least 90 % of its lifetime left", () => {
    expect(MIN_SHARED_LIFETIME_LEFT).toBe(0.9);
    const s = setup();
    const first = s.tokens.tokenFor(rec(1));
    expect([first.issuedAt, first.expiresAt]).toEqual([T0, T0 + 1000]);
    s.clock.advance(100_000);
    expect(s.tokens.tokenFor(rec(1))).toBe(first);
    s.clock.advance(1000);
    const fresh = s.tokens.tokenFor(rec(1));
    expect(fresh).not.toBe(first);
    expect(fresh.issuedAt).toBe(T0 + 101);
    expect(s.minted).toHaveLength(2);
  });

  it("mints anew after the signing key changes or a revocation watermark reaches the cached token", () => {
    const s = setup();
    const first = s.tokens.tokenFor(rec(1));
    s.setKey(createHmacKey("APIb", "b-secret-that-is-at-least-32-bytes-long!"));
    const rekeyed = s.tokens.tokenFor(rec(1));
    expect([rekeyed.apiKey, s.minted.length]).toEqual(["APIb", 2]);
    s.setMark(T0);
    const afterMark = s.tokens.tokenFor(rec(1));
    expect(afterMark).not.toBe(rekeyed);
    expect(afterMark.issuedAt).toBe(T0 + 1);
    expect(first.issuedAt).toBe(T0);
  });

  it("never lets a late, older version replace a newer version's token", () => {
    const s = setup();
    const v2 = s.tokens.tokenFor(rec(2));
    s.tokens.tokenFor(rec(1));
    expect(s.tokens.tokenFor(rec(2))).toBe(v2);
    expect(s.minted).toHaveLength(2);
  });

  it("forgets a participant's token", () => {
    const s = setup();
    const first = s.tokens.tokenFor(rec(1));
    s.tokens.forget("r1", "a");
    expect(s.tokens.size).toBe(0);
    expect(s.tokens.tokenFor(rec(1))).not.toBe(first);
  });
});
