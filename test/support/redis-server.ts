import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";

/** A redis-server this test process started; never one it found running. */
export interface TestRedis {
  port: number;
  url: string;
  dir: string;
  /** The server's pid (read from its pidfile). */
  readonly pid: number;
  /** Sends SIGSTOP (a hung server); always pair with `resume` in a finally. */
  pause(): void;
  /** Sends SIGCONT. */
  resume(): void;
  /** SIGKILL, then waits until the process is gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (AOF replays what was acknowledged). */
  restart(): Promise<void>;
  /** Runs one command on a short-lived connection of its own. */
  command(...args: string[]): Promise<unknown>;
  /** Stops the server (SIGCONT first, then SIGKILL) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of a test server. */
export interface TestRedisOptions {
  /** appendonly yes + appendfsync always (default true). */
  aof?: boolean;
  /** Extra `--name value` pairs. */
  extra?: string[];
  /** Only reserve the port; `restart()` starts it later (for "started while Redis is down"). */
  startLater?: boolean;
}

// Last line of defence for a test process that exits without stopping its servers (a failed hook, a timeout).
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

/** Whether the redis-server binary is available. */
export const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

/** A free loopback port (bind :0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

// A killed daemon stays a zombie until init reaps it; that counts as gone.
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
};

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a server answers PING on a loopback port. */
async function ping(port: number): Promise<boolean> {
  const c = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  c.on("error", () => undefined);
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (c.isOpen) c.destroy();
  }
}

/** Runs one command on a short-lived connection of its own. */
async function runCommand(url: string, cmd: string[]): Promise<unknown> {
  const c = createClient({ url, RESP: 2, socket: { reconnectStrategy: false } });
  c.on("error", () => undefined);
  await c.connect();
  try {
    return await c.sendCommand(cmd);
  } finally {
    c.destroy();
  }
}

/** Starts a daemonized redis-server (or sentinel) and returns its pid once it answers PING. */
async function startDaemon(args: string[], pidFile: string, port: number): Promise<number> {
  rmSync(pidFile, { force: true });
  const r = spawnSync("redis-server", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`redis-server failed to start: ${r.stderr || r.stdout}`);
  await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", "the redis pidfile");
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  running.add(pid);
  await until(() => ping(port), "redis PING");
  return pid;
}

/** SIGKILLs a daemon this process started (SIGCONT first, in case it was paused) and waits until it is gone. */
async function killDaemon(pid: number): Promise<void> {
  if (pid === 0 || !alive(pid)) return;
  process.kill(pid, "SIGCONT");
  process.kill(pid, "SIGKILL");
  await until(() => !alive(pid), "redis to exit");
  running.delete(pid);
}

/** Starts a real redis-server on a free loopback port in a temporary directory. */
export async function startTestRedis(opts: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-redis-"));
  const port = await freePort();
  const pidFile = join(dir, "redis.pid");
  const aof = opts.aof ?? true;
  const args = [
    "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
    "--appendonly", aof ? "yes" : "no", "--appendfsync", "always",
    "--daemonize", "yes", "--pidfile", pidFile, "--logfile", join(dir, "redis.log"),
    "--enable-debug-command", "local", ...(opts.extra ?? []),
  ];
  let pid = 0;
  const start = async (): Promise<void> => {
    pid = await startDaemon(args, pidFile, port);
  };
  const kill = async (): Promise<void> => {
    await killDaemon(pid);
  };
  if (!opts.startLater) await start();
  const url = `redis://127.0.0.1:${port}`;
  return {
    port,
    url,
    dir,
    get pid() {
      return pid;
    },
    pause: () => process.kill(pid, "SIGSTOP"),
    resume: () => process.kill(pid, "SIGCONT"),
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    command: (...cmd) => runCommand(url, cmd),
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A redis-server running as a sentinel, started by this test process. */
export interface TestSentinel {
  port: number;
  /** host:port, as roomgate's sentinel list takes it. */
  address: string;
  /** Runs one command (SENTINEL …) on a short-lived connection. */
  command(...args: string[]): Promise<unknown>;
  /** Where this sentinel currently says the primary is ("host:port"), or undefined. */
  primary(): Promise<string | undefined>;
  /** Stops the sentinel and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of a test sentinel; the timeouts are short so a failover takes seconds, not minutes. */
export interface TestSentinelOptions {
  /** The monitored name (default "rgmaster"). */
  master?: string;
  /** The primary's port on 127.0.0.1. */
  primaryPort: number;
  /** Sentinels that must agree the primary is down (default 1). */
  quorum?: number;
  /** down-after-milliseconds (default 1000). */
  downAfterMs?: number;
  /** failover-timeout (default 5000). */
  failoverTimeoutMs?: number;
}

/** Starts a sentinel (`redis-server CONF --sentinel`) on a free loopback port in a temporary directory. */
export async function startTestSentinel(opts: TestSentinelOptions): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-sentinel-"));
  const port = await freePort();
  const pidFile = join(dir, "sentinel.pid");
  const master = opts.master ?? "rgmaster";
  // Sentinel rewrites its configuration file, so it must live in a directory of its own.
  const conf = join(dir, "sentinel.conf");
  writeFileSync(conf, [
    `port ${port}`, "bind 127.0.0.1", `dir ${dir}`, "daemonize yes", `pidfile ${pidFile}`, `logfile ${join(dir, "sentinel.log")}`,
    `sentinel monitor ${master} 127.0.0.1 ${opts.primaryPort} ${opts.quorum ?? 1}`,
    `sentinel down-after-milliseconds ${master} ${opts.downAfterMs ?? 1000}`,
    `sentinel failover-timeout ${master} ${opts.failoverTimeoutMs ?? 5000}`,
    `sentinel parallel-syncs ${master} 1`,
    "",
  ].join("\n"));
  const pid = await startDaemon([conf, "--sentinel"], pidFile, port);
  const url = `redis://127.0.0.1:${port}`;
  return {
    port,
    address: `127.0.0.1:${port}`,
    command: (...cmd) => runCommand(url, cmd),
    primary: async () => {
      const r = (await runCommand(url, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", master])) as string[] | null;
      return r ? `${r[0]}:${r[1]}` : undefined;
    },
    stop: async () => {
      await killDaemon(pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
