import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CommitStats } from "../src/participants/group-commit.js";
import type { AddressInfo } from "node:net";
import { startBareServer } from "./bare-http.js";
import { startBenchServer, type BenchServerOptions } from "./fixture.js";

/** The server process's CPU time so far and its store's commit counts. */
export interface ServerStats {
  /** User plus system CPU time of the server process, in microseconds. */
  cpuUs: number;
  commits: CommitStats;
}

/** A roomgate server in its own process, so its memory and CPU can be read alone. */
export interface ServerProcess {
  grpcPort: number;
  httpPort: number;
  /** A bare node:http JSON handler in the same process (the Twirp floor). */
  barePort: number;
  /** Resident set size after a full GC, in bytes. */
  rss(): Promise<number>;
  /** CPU time and commit counts so far, in one answer. */
  stats(): Promise<ServerStats>;
  /** CPU time (user + system) the server process has used so far, in microseconds: its own account, whatever the client costs. */
  cpuUs(): Promise<number>;
  close(): Promise<void>;
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m: T) => resolve(m));
    child.send(msg);
  });
}

/** Forks this file as a server; resolves once it listens. */
export async function startServerProcess(opts: BenchServerOptions = {}): Promise<ServerProcess> {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(opts)], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { grpcPort, httpPort, barePort } = await new Promise<{ grpcPort: number; httpPort: number; barePort: number }>((resolve, reject) => {
    child.once("message", (m: { grpcPort: number; httpPort: number; barePort: number }) => resolve(m));
    child.once("exit", (code) => reject(new Error(`bench server exited (${code})`)));
  });
  return {
    grpcPort,
    httpPort,
    barePort,
    rss: () => ask<number>(child, "rss"),
    stats: () => ask<ServerStats>(child, "stats"),
    cpuUs: () => ask<number>(child, "cpu"),
    close: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => child.kill(), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.send("exit");
      }),
  };
}

// Entry point when forked.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const bench = await startBenchServer(JSON.parse(process.argv[2] ?? "{}") as BenchServerOptions);
  const bare = await startBareServer();
  process.on("message", (msg: string) => {
    if (msg === "cpu") {
      const { user, system } = process.cpuUsage();
      process.send!(user + system);
    } else if (msg === "rss") {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!(process.memoryUsage().rss);
    } else if (msg === "stats") {
      const cpu = process.cpuUsage();
      process.send!({ cpuUs: cpu.user + cpu.system, commits: bench.server.commitStats() } satisfies ServerStats);
    } else if (msg === "exit") {
      bare.closeAllConnections();
      bare.close();
      void bench.close().then(() => process.exit(0));
    }
  });
  process.send({ grpcPort: bench.server.grpcPort, httpPort: bench.server.httpPort, barePort: (bare.address() as AddressInfo).port });
}
