import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startBenchServer } from "./fixture.js";

/** A roomgate server in its own process, so its memory and CPU can be read alone. */
export interface ServerProcess {
  grpcPort: number;
  /** Resident set size after a full GC, in bytes. */
  rss(): Promise<number>;
  close(): Promise<void>;
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m: T) => resolve(m));
    child.send(msg);
  });
}

/** Forks this file as a server (on Redis when `redisUrl` is given); resolves once it listens. */
export async function startServerProcess(redisUrl?: string): Promise<ServerProcess> {
  const child = fork(fileURLToPath(import.meta.url), redisUrl === undefined ? [] : [redisUrl], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { grpcPort } = await new Promise<{ grpcPort: number }>((resolve, reject) => {
    child.once("message", (m: { grpcPort: number }) => resolve(m));
    child.once("exit", (code) => reject(new Error(`bench server exited (${code})`)));
  });
  return {
    grpcPort,
    rss: () => ask<number>(child, "rss"),
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
  const bench = await startBenchServer(process.argv[2]);
  process.on("message", (msg: string) => {
    if (msg === "rss") {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!(process.memoryUsage().rss);
    } else if (msg === "exit") {
      void bench.close().then(() => process.exit(0));
    }
  });
  process.send({ grpcPort: bench.server.grpcPort });
}
