import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../core/clock.js";
import type { CliContext } from "./context.js";
import { runCli } from "./run.js";

// The entry point: the only module that reads process.env, process.argv and the wall clock.

// The package root is two levels up from src/cli/ in a checkout, three from dist/src/cli/ in an installed package.
function packageVersion(): string {
  for (const path of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));
      if (typeof pkg !== "object" || pkg === null || !("name" in pkg) || pkg.name !== "roomgate") continue;
      const version = "version" in pkg ? pkg.version : undefined;
      return typeof version === "string" ? version : "unknown";
    } catch {
      continue;
    }
  }
  return "unknown";
}

const context: CliContext = {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  logFd: 2,
  clock: systemClock,
  readFile: (path) => readFileSync(path, "utf8"),
  version: packageVersion(),
  pid: process.pid,
  makeTempDir: () => mkdtempSync(join(tmpdir(), "roomgate-dev-")),
  removeDir: (path) => rmSync(path, { recursive: true, force: true }),
  onSignal: (signal, handler) => {
    process.on(signal, handler);
    return () => void process.off(signal, handler);
  },
  // Loaded on demand so `token` commands start without gRPC, HTTP and the store.
  startServer: async (config, deps) => (await import("../server.js")).startServer(config, deps),
  connect: async (options) => (await import("../client/client.js")).createRoomgateClient(options),
  // npx and npm run start the CLI under a shell that a SIGTERM to npm leaves orphaned: serve then stops by itself.
  ...(process.env.npm_command !== undefined && { onOrphaned: watchParent }),
};

// The parent's pid changes (to init or a subreaper) when the parent exits; polled, unref'd, so it never holds the process.
function watchParent(handler: () => void): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    handler();
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

const code = await runCli(process.argv.slice(2), context);
process.exitCode = code;
// A handle some dependency leaves open must not keep a finished command alive; unref'd, so a clean exit is not delayed.
setTimeout(() => process.exit(code), 2000).unref();
