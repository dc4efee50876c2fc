import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manualClock, nowSeconds, type ManualClock } from "../../src/core/clock.js";
import type { ClaimGrants } from "../../src/core/grants.js";
import { DEFAULT_TOKEN_POLICY, verifyJwt, type VerifiedToken } from "../../src/core/jwt.js";
import { createKeyProvider, createKeyRing, type KeyProvider } from "../../src/core/keys.js";
import { mintToken } from "../../src/core/minting.js";
import { DEFAULT_PARTICIPANT_SETTINGS, type ParticipantSettings } from "../../src/config/server-config.js";
import { createInProcessEvents, type ParticipantEvents } from "../../src/participants/events.js";
import { createMemoryParticipantStore } from "../../src/participants/memory-store.js";
import type { ParticipantRecord } from "../../src/participants/model.js";
import { createParticipantRegistry, type ParticipantRegistry, type UpdateRetryBudget } from "../../src/participants/registry.js";
import type { ParticipantStore } from "../../src/participants/store.js";
import { createManualTimers, type ManualTimers } from "../../src/participants/timers.js";
import { createTokenVerifier, type TokenVerifier } from "../../src/services/token-verifier.js";

/** 2026-01-01T00:00:00Z, a whole second. */
export const T0_MS = Date.UTC(2026, 0, 1);
/** T0 in Unix seconds: the issue second store tests give their joins. */
export const ISSUED = T0_MS / 1000;
/** Signing key of the test ring (the default key). */
export const API_KEY = "APIdefault";
/** A second configured key, used to mint join tokens, so the refresh key choice is visible. */
export const JOIN_KEY = "APIjoin";

/** A key provider with two 32+ byte keys; APIdefault sorts first and is the default. */
export function testKeys(): KeyProvider {
  return createKeyProvider(
    createKeyRing(
      new Map([
        [JOIN_KEY, "join-secret-that-is-at-least-32-bytes!!"],
        [API_KEY, "default-secret-that-is-at-least-32-bytes"],
      ]),
    ),
  );
}

/** A verified join token that also keeps its compact form. */
export type JoinToken = VerifiedToken & { jwt: string };

/** Mints a join token with `JOIN_KEY` and verifies it, as JoinRoom would receive it. */
export function joinToken(keys: KeyProvider, clock: ManualClock, grants: ClaimGrants, ttlSeconds = 3600): JoinToken {
  const key = keys.current().get(JOIN_KEY)!;
  const minted = mintToken(key, { grants, ttlSeconds }, nowSeconds(clock));
  return { ...verifyJwt(minted.token, (k) => keys.current().get(k), clock.nowMs(), DEFAULT_TOKEN_POLICY), jwt: minted.token };
}

/** Standard join grants for `identity` in room "r1". */
export function joinGrants(identity: string, extra: Partial<ClaimGrants> = {}): ClaimGrants {
  return { identity, name: `${identity}-name`, video: { roomJoin: true, room: "r1" }, ...extra };
}

/** A minimal record for store tests. */
export function record(identity: string, overrides: Partial<ParticipantRecord> = {}): ParticipantRecord {
  return {
    room: "r1",
    identity,
    name: `${identity}-name`,
    metadata: "",
    attributes: {},
    kind: "",
    video: { roomJoin: true, room: "r1" },
    state: "active",
    joinedAtMs: T0_MS,
    updatedAtMs: T0_MS,
    version: 0,
    joinExpiresAt: T0_MS / 1000 + 3600,
    ...overrides,
  };
}

/** A registry over a given store with a manual clock and timers, already started. */
export interface Harness {
  registry: ParticipantRegistry;
  store: ParticipantStore;
  events: ParticipantEvents;
  keys: KeyProvider;
  clock: ManualClock;
  timers: ManualTimers;
  verifier: TokenVerifier;
  settings: ParticipantSettings;
}

/** Builds and starts a harness. */
export async function harness(
  opts: { store?: ParticipantStore; clock?: ManualClock; settings?: ParticipantSettings; updateRetry?: UpdateRetryBudget } = {},
): Promise<Harness> {
  const clock = opts.clock ?? manualClock(T0_MS);
  const store = opts.store ?? createMemoryParticipantStore();
  const keys = testKeys();
  const events = createInProcessEvents();
  const timers = createManualTimers(clock);
  const settings = opts.settings ?? DEFAULT_PARTICIPANT_SETTINGS;
  const registry = createParticipantRegistry({ store, events, keys, clock, timers, settings, ...(opts.updateRetry && { updateRetry: opts.updateRetry }) });
  await registry.start();
  const verifier = createTokenVerifier({ keys, clock, policy: DEFAULT_TOKEN_POLICY, live: registry.liveState });
  return { registry, store, events, keys, clock, timers, verifier, settings };
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-participants-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
