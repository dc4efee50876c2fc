import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  const ping = async (): Promise<boolean> => {
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
  };
  const start = async (): Promise<void> => {
    rmSync(pidFile, { force: true });
    const r = spawnSync("redis-server", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`redis-server failed to start: ${r.stderr || r.stdout}`);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", "the redis pidfile");
    pid = Number(readFileSync(pidFile, "utf8").trim());
    running.add(pid);
    await until(ping, "redis PING");
  };
  const kill = async (): Promise<void> => {
    if (pid === 0 || !alive(pid)) return;
    process.kill(pid, "SIGCONT");
    process.kill(pid, "SIGKILL");
    await until(() => !alive(pid), "redis to exit");
    running.delete(pid);
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
    command: async (...cmd) => {
      const c = createClient({ url, RESP: 2, socket: { reconnectStrategy: false } });
      c.on("error", () => undefined);
      await c.connect();
      try {
        return await c.sendCommand(cmd);
      } finally {
        c.destroy();
      }
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
