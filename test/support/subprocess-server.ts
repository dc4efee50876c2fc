import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** The repository root, where `bin/roomgate.js` lives. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A `roomgate serve` child process that has logged that it is serving. */
export interface ServerProcess {
  child: ChildProcess;
  grpcPort: number;
  httpPort: number;
  /** Everything the child wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** What the child wrote to stderr alone (its log). */
  stderr(): string;
  /** What the child wrote to stdout alone (`--audit-log -`). */
  stdout(): string;
  /** Sends `signal` and resolves once the child has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

// The child must see only the flags the test gives, not a developer's roomgate or LiveKit settings.
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(ROOMGATE_|LIVEKIT_)/.test(k)) env[k] = v;
  env.ROOMGATE_LOG_LEVEL = "info";
  return { ...env, ...extra };
}

/**
 * Starts `node bin/roomgate.js <args>` and waits (at most `timeoutMs`) for its
 * "serving" log line, which comes after the bound ports are logged and the
 * signal handlers are in place. Rejects with the child's output otherwise.
 */
export async function spawnServer(args: string[], timeoutMs = 15_000, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["bin/roomgate.js", ...args], { cwd: REPO_ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let std = "";
  let pending = "";
  let ports: { grpc: number; http: number } | undefined;
  // A spawn failure surfaces through `ready`; stop() only needs to know that the child is gone.
  const exited = once(child, "exit").then(() => undefined, () => undefined);
  const ready = new Promise<{ grpc: number; http: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roomgate did not report serving within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`roomgate exited (${code ?? signal}) before serving:\n${out}`));
    });
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        let entry: { msg?: string; grpc?: number; http?: number };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (entry.msg === "roomgate listening" && typeof entry.grpc === "number" && typeof entry.http === "number") {
          ports = { grpc: entry.grpc, http: entry.http };
        }
        if (entry.msg === "serving" && ports) {
          clearTimeout(timer);
          resolve(ports);
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.stdout!.on("data", (chunk: Buffer) => void (std += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => void (err += chunk.toString()));
  });
  try {
    const { grpc, http } = await ready;
    return {
      child,
      grpcPort: grpc,
      httpPort: http,
      output: () => out,
      stderr: () => err,
      stdout: () => std,
      async stop(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      },
    };
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    throw err;
  }
}
