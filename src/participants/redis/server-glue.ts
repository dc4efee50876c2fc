import type { HealthImplementation } from "grpc-health-check";
import { nowSeconds, type Clock } from "../../core/clock.js";
import type { KeyProvider } from "../../core/keys.js";
import type { LiveStateView } from "../../core/live-state.js";
import type { MintedToken } from "../../core/minting.js";
import type { ParticipantRecord } from "../model.js";
import { mintRefreshToken } from "../refresh.js";

/** How often the health status of a store-backed service is brought in line with the store. */
export const HEALTH_POLL_MS = 100;

/** Keeps one health service's status equal to `serving()`; returns the timer to clear at shutdown. */
export function followStoreHealth(health: HealthImplementation, service: string, serving: () => boolean): NodeJS.Timeout {
  let last: boolean | undefined;
  const tick = (): void => {
    const now = serving();
    if (now === last) return;
    last = now;
    health.setStatus(service, now ? "SERVING" : "NOT_SERVING");
  };
  tick();
  const timer = setInterval(tick, HEALTH_POLL_MS);
  timer.unref();
  return timer;
}

/**
 * The token pushed to this instance's watchers for another instance's change, minted here as
 * the registry mints its own; undefined when the live state is stale (no token then, fail closed).
 */
export function mintForWatchers(keys: KeyProvider, clock: Clock, refreshTtlSeconds: number, live: LiveStateView, r: ParticipantRecord): MintedToken | undefined {
  let revokedThrough: number | undefined;
  try {
    const state = live.lookup(r.room, r.identity);
    if (state instanceof Promise) return undefined;
    revokedThrough = state?.revokedThrough;
  } catch {
    return undefined;
  }
  return mintRefreshToken(keys.current().defaultKey, r, nowSeconds(clock), refreshTtlSeconds, revokedThrough);
}
