import { EventEmitter } from "node:events";
import { createClient } from "redis";
import type { Logger } from "../../log.js";
import { createRawClient, reconnectDelay, withDeadline, type RawClient, type RedisSettings, type SentinelSettings } from "./connection.js";

/** A server's address as Sentinel reports it. */
export interface NodeAddress {
  host: string;
  port: number;
}

/** What asking the sentinels gave: the primary's address, or why there is none. */
export type SentinelAnswer = { primary: NodeAddress } | { problem: string };

/** One sentinel's view: the primary it names and the configuration epoch of that view. */
type SentinelView = { primary: NodeAddress; epoch: number } | { problem: string };

async function askOne(at: NodeAddress, master: string, timeoutMs: number): Promise<SentinelView> {
  const where = `${at.host}:${at.port}`;
  const c = createClient({
    RESP: 2,
    disableOfflineQueue: true,
    disableClientInfo: true,
    maintNotifications: "disabled",
    socket: { host: at.host, port: at.port, connectTimeout: timeoutMs, reconnectStrategy: false },
  });
  c.on("error", () => undefined);
  try {
    // The address from GET-MASTER-ADDR-BY-NAME: during a failover it already names the promoted replica,
    // while SENTINEL MASTER keeps the old primary until the reconfiguration ends. The epoch comes from the latter.
    const [addr, info] = await withDeadline(timeoutMs, async () => {
      await c.connect();
      return Promise.all([c.sendCommand(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", master]), c.sendCommand(["SENTINEL", "MASTER", master])]);
    });
    if (!Array.isArray(addr) || addr.length !== 2) return { problem: `${where} does not monitor "${master}"` };
    let epoch = 0;
    if (Array.isArray(info)) for (let i = 0; i + 1 < info.length; i += 2) if (String(info[i]) === "config-epoch") epoch = Number(info[i + 1]) || 0;
    return { primary: { host: String(addr[0]), port: Number(addr[1]) }, epoch };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    return { problem: /no such master/i.test(message) ? `${where} does not monitor "${master}"` : `${where}: ${message}` };
  } finally {
    c.destroy();
  }
}

/**
 * Asks every sentinel at once (each for at most `timeoutMs`) where the primary of `master` is.
 * The answer with the highest configuration epoch wins, the configured order breaking ties: a
 * sentinel cut off from the others still names the primary of an older epoch, and must not
 * outvote the ones that saw the failover.
 */
export async function askSentinels(s: SentinelSettings, timeoutMs: number): Promise<SentinelAnswer> {
  const views = await Promise.all(s.sentinels.map((at) => askOne(at, s.master, timeoutMs)));
  let best: { primary: NodeAddress; epoch: number } | undefined;
  for (const v of views) if ("primary" in v && (!best || v.epoch > best.epoch)) best = v;
  if (best) return { primary: best.primary };
  const problems = views.map((v) => ("problem" in v ? v.problem : ""));
  return { problem: `no sentinel named a primary for "${s.master}" (${problems.join("; ")})` };
}

/** The URL of `settings.url` (user, password, database, TLS) pointed at `at`. */
export function urlAt(url: string, at: NodeAddress): string {
  const u = new URL(url);
  u.hostname = at.host.includes(":") ? `[${at.host}]` : at.host;
  u.port = String(at.port);
  return u.toString();
}

/** How often a connected follower asks Sentinel whether the primary moved. */
export const SENTINEL_POLL_MS = 1000;

// A write reaching a demoted primary, or a primary Sentinel has not confirmed: connect elsewhere.
const NOT_PRIMARY = /\b(READONLY|MASTERDOWN)\b/;

/**
 * A connection that follows the primary Sentinel names. It asks the sentinels before every
 * connection, checks with ROLE that the server it reached is a primary (a sentinel may still
 * name a demoted one), and never reconnects to the same address by itself: when the connection
 * drops (Sentinel disconnects every client of a primary it demotes), or a reply says the server
 * is no longer a writable primary, it asks again. Calls made while it has no primary fail at
 * once, as with a plain client without an offline queue. `ready` is emitted on every new primary
 * connection, so readers re-check their position in the stream.
 */
export function createPrimaryFollower(settings: RedisSettings, name: string, log: Logger, blockMs = 0): RawClient {
  const sentinel = settings.sentinel;
  if (!sentinel) throw new Error("createPrimaryFollower needs settings.sentinel");
  const emitter = new EventEmitter();
  // Per-connection errors are expected while following a failover; the follower reports the state instead.
  const quiet: Logger = { ...log, warn: (msg, fields) => log.debug(msg, fields) };
  let open = false;
  let ready: RawClient | undefined;
  let current: RawClient | undefined;
  let wake: (() => void) | undefined;
  let connected: { resolve: () => void; reject: (err: Error) => void } | undefined;
  let lastWarned = 0;
  let lastProblem = "";

  const warn = (problem: string): void => {
    const now = Date.now();
    if (problem === lastProblem && now - lastWarned < 5000) return;
    lastProblem = problem;
    lastWarned = now;
    log.warn(`redis primary unavailable: ${problem}; asking Sentinel again`, { client: name });
  };
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const ended = (c: RawClient): Promise<void> =>
    new Promise((resolve) => {
      c.on("end", resolve);
      c.on("terminated", resolve);
      if (!c.isOpen) resolve();
    });

  // One connection: resolves when it is over (never reached, not a primary, or dropped).
  const connectOnce = async (at: NodeAddress): Promise<boolean> => {
    const c = createRawClient({ ...settings, url: urlAt(settings.url, at) }, name, quiet, blockMs, false);
    current = c;
    let problem: string | undefined;
    try {
      const role = await withDeadline(settings.timeoutMs, async () => {
        await c.connect();
        return (await c.sendCommand(["ROLE"])) as unknown[];
      });
      if (role[0] !== "master") problem = `${at.host}:${at.port} is a ${String(role[0])}, not a primary`;
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      problem = `${at.host}:${at.port}: ${cause instanceof Error ? cause.message : String(cause)}`;
    }
    if (problem !== undefined || !open) {
      c.destroy();
      if (problem !== undefined && open) warn(problem);
      return false;
    }
    const over = ended(c);
    ready = c;
    lastProblem = "";
    log.info("redis primary found through Sentinel", { client: name, primary: `${at.host}:${at.port}` });
    connected?.resolve();
    connected = undefined;
    emitter.emit("ready");
    await watchPrimary(c, at, over);
    ready = undefined;
    return true;
  };

  // A demoted primary is reconfigured by Sentinel only some seconds after the switch, and keeps
  // accepting writes until then: ask again while connected and leave as soon as the answer moves.
  const watchPrimary = async (c: RawClient, at: NodeAddress, over: Promise<void>): Promise<void> => {
    let done = false;
    void over.then(() => {
      done = true;
      wake?.();
    });
    while (!done && open) {
      await pause(SENTINEL_POLL_MS);
      if (done || !open) break;
      const answer = await askSentinels(sentinel, settings.timeoutMs);
      // Unreachable sentinels are no reason to leave a primary that answers.
      if ("primary" in answer && (answer.primary.host !== at.host || answer.primary.port !== at.port)) {
        log.warn("Sentinel names a new redis primary; reconnecting", { client: name, from: `${at.host}:${at.port}`, to: `${answer.primary.host}:${answer.primary.port}` });
        c.destroy();
      }
    }
    await over;
  };

  const follow = async (): Promise<void> => {
    let attempt = 0;
    while (open) {
      const answer = await askSentinels(sentinel, settings.timeoutMs);
      if (!open) break;
      if ("primary" in answer) {
        if (await connectOnce(answer.primary)) attempt = 0;
      } else {
        warn(answer.problem);
      }
      if (open) await pause(reconnectDelay(attempt++));
    }
  };

  const follower = {
    get isOpen() {
      return open;
    },
    get isReady() {
      return open && ready !== undefined && ready.isReady;
    },
    connect(): Promise<void> {
      if (open) return Promise.reject(new Error("Socket already opened"));
      open = true;
      const first = new Promise<void>((resolve, reject) => (connected = { resolve, reject }));
      void follow();
      return first;
    },
    destroy() {
      if (!open) return;
      open = false;
      current?.destroy();
      wake?.();
      connected?.reject(new Error("The client is closed"));
      connected = undefined;
    },
    async sendCommand(args: string[]): Promise<unknown> {
      const c = ready;
      if (!open || !c || !c.isReady) throw new Error("The client is closed: no Redis primary connected (following Sentinel)");
      try {
        return await c.sendCommand(args);
      } catch (err) {
        if (err instanceof Error && NOT_PRIMARY.test(err.message) && ready === c) {
          warn(`the connected server refused a write (${err.message.split("\n")[0]})`);
          c.destroy();
        }
        throw err;
      }
    },
    on(event: string, listener: (...args: never[]) => void) {
      emitter.on(event, listener as (...args: unknown[]) => void);
      return follower;
    },
  };
  return follower;
}
