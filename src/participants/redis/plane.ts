import { RoomgateError } from "../../core/errors.js";
import type { LiveStateView } from "../../core/live-state.js";
import type { Logger } from "../../log.js";
import type { ParticipantRegistry } from "../registry.js";
import { checkServer, createRawClient, newInstanceId, withDeadline, type RedisSettings } from "./connection.js";
import { createRedisEvents, READ_BLOCK_MS, type RedisEvents } from "./events.js";
import { prepareRedis, RedisRefusedError } from "./instance.js";
import { createPrimaryFollower } from "./sentinel.js";
import { createRedisParticipantStore, type RedisParticipantStore } from "./store.js";

/** How often a connected instance re-checks the server's configuration (an eviction policy set later). */
export const SERVER_CHECK_INTERVAL_MS = 5000;
/** Pause between attempts to bring the participant plane up while Redis is unreachable. */
export const BRING_UP_RETRY_MS = 250;

/** The Redis-backed participant plane of one instance: store, event stream reader, health. */
export interface RedisPlane {
  readonly instanceId: string;
  readonly store: RedisParticipantStore;
  readonly events: RedisEvents;
  /** The registry's live state behind the staleness bound: past it, lookups fail closed with store_unavailable. */
  guard(inner: LiveStateView): LiveStateView;
  /**
   * Connects and loads the registry. Resolves once up, or once `timeoutMs` passed with Redis
   * unreachable (the instance then serves NOT_SERVING and keeps trying). Rejects when the
   * server is reachable but refused (Cluster, an evicting policy, a newer layout).
   */
  start(registry: ParticipantRegistry): Promise<void>;
  /** Whether ParticipantService can serve: loaded, connected, fresh and not refused. */
  serving(): boolean;
  /** Stops the reader and the checks and closes both connections. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the plane (no I/O until `start`); `checkIntervalMs` shortens the configuration re-check in tests. */
export function createRedisPlane(settings: RedisSettings, log: Logger, now: () => number, checkIntervalMs = SERVER_CHECK_INTERVAL_MS): RedisPlane {
  const instanceId = newInstanceId();
  // With Sentinel, each connection asks where the primary is whenever it (re)connects.
  const open = settings.sentinel ? createPrimaryFollower : createRawClient;
  const client = open(settings, `rg-${instanceId}`, log);
  const reader = open(settings, `rg-${instanceId}-events`, log, READ_BLOCK_MS);
  const store = createRedisParticipantStore({ client, settings, instanceId });
  // The reader's own store: it checks, resyncs and writes back on the server it reads the stream from.
  const events = createRedisEvents({ reader, store: createRedisParticipantStore({ client: reader, settings, instanceId }), settings, instanceId, log, now });
  let up = false;
  let closed = false;
  let refusedLater: string | undefined;
  let checkTimer: NodeJS.Timeout | undefined;
  let bringUp: Promise<void> | undefined;

  const connectBoth = (): void => {
    // connect() keeps retrying through reconnectStrategy; readiness is watched, not awaited.
    for (const c of [client, reader]) if (!c.isOpen) void c.connect().catch(() => undefined);
  };

  const recheck = async (): Promise<void> => {
    if (!client.isReady) return;
    try {
      const res = await withDeadline(settings.timeoutMs, () => checkServer(client));
      if (res.refuse && refusedLater !== res.refuse) log.error(`participant store refused: ${res.refuse}`);
      if (!res.refuse && refusedLater) log.info("participant store configuration fixed; serving again");
      refusedLater = res.refuse;
    } catch {
      // Unreachable: the connection state already reports it.
    }
  };

  return {
    instanceId,
    store,
    events,
    guard(inner) {
      return {
        lookup(room, identity) {
          if (!events.fresh()) throw new RoomgateError("store_unavailable");
          return inner.lookup(room, identity);
        },
      };
    },
    async start(registry) {
      connectBoth();
      let firstRefusal: ((err: Error) => void) | undefined;
      const refused = new Promise<never>((_, reject) => (firstRefusal = reject));
      refused.catch(() => undefined);
      let first = true;
      bringUp = (async () => {
        while (!closed && !up) {
          if (!client.isReady || !reader.isReady) {
            await sleep(BRING_UP_RETRY_MS / 5);
            continue;
          }
          try {
            await prepareRedis(client, settings, log);
            await events.start();
            await registry.start();
            events.run();
            up = true;
            log.info("participant store connected", { store: "redis", instance: instanceId });
          } catch (err) {
            registry.stop();
            if (err instanceof RedisRefusedError) {
              if (first) {
                firstRefusal?.(err);
                return;
              }
              log.error(`participant store refused: ${err.message}`);
            }
            await sleep(BRING_UP_RETRY_MS);
          }
          first = false;
        }
      })();
      const waited = await Promise.race([
        bringUp.then(() => "up" as const),
        refused,
        sleep(settings.timeoutMs).then(() => "waiting" as const),
      ]);
      // From here on a refusal found later keeps the instance NOT_SERVING instead of stopping it.
      first = false;
      if (waited === "waiting" && !up) log.warn("Redis is unreachable; ParticipantService is NOT_SERVING until it connects", { instance: instanceId });
      checkTimer = setInterval(() => void recheck(), checkIntervalMs);
      checkTimer.unref();
    },
    serving() {
      return up && client.isReady && refusedLater === undefined && events.fresh();
    },
    async close() {
      closed = true;
      clearInterval(checkTimer);
      await store.close();
      // destroy rejects the blocked XREAD, which ends the read loop.
      for (const c of [reader, client]) if (c.isOpen) c.destroy();
      await events.stop();
      await bringUp?.catch(() => undefined);
    },
  };
}
