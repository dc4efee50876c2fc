import type { HealthImplementation } from "grpc-health-check";

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
