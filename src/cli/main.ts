import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../core/clock.js";
import type { CliContext } from "./context.js";
import { runCli } from "./run.js";

// The entry point: the only module that reads process.env, process.argv and the wall clock.

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const version = typeof pkg === "object" && pkg !== null && "version" in pkg ? pkg.version : undefined;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
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
  connectTokenService: async (address) => (await import("./remote-token-service.js")).connectTokenService(address, systemClock),
  connectParticipantService: async (address, credential) =>
    (await import("./remote-participant-service.js")).connectParticipantService(address, credential, systemClock),
};

const code = await runCli(process.argv.slice(2), context);
process.exitCode = code;
// A handle some dependency leaves open must not keep a finished command alive; unref'd, so a clean exit is not delayed.
setTimeout(() => process.exit(code), 2000).unref();
