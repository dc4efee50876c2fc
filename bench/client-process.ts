import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadJob, LoadResult } from "./load-client.js";

/** A load generator in its own process, so it never shares an event loop (or a core) with the server. */
export interface ClientProcess {
  run(job: LoadJob): Promise<LoadResult>;
  close(): Promise<void>;
}

/** Forks bench/load-client.ts under tsx. */
export function startClientProcess(): ClientProcess {
  const child: ChildProcess = fork(fileURLToPath(new URL("./load-client.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`load client exited (${code})`));
        child.once("exit", onExit);
        child.once("message", (msg: { result?: LoadResult; error?: string }) => {
          child.off("exit", onExit);
          if (msg.result) resolve(msg.result);
          else reject(new Error(`load client failed: ${msg.error}`));
        });
        child.send({ job });
      }),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill(), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ exit: true });
      }),
  };
}
