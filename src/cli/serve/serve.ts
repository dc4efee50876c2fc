import { loadKeyRing, loadServerConfig, reloadCredentials } from "../../config/load-config.js";
import { createLogger, type LogDestination, type Logger, type LogLevel } from "../../log.js";
import { parseFlags } from "../args.js";
import { type CliContext, type RunningServer, type SignalName } from "../context.js";
import { SERVE_HELP } from "./help.js";

const OPTIONS = {
  dev: { type: "boolean" },
  config: { type: "string", short: "c" },
  "grpc-addr": { type: "string" },
  "http-addr": { type: "string" },
  data: { type: "string" },
  redis: { type: "string" },
  "redis-sentinel": { type: "string" },
  "audit-log": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** serve's JSON-lines log on stderr (contract §15): fd 2 in the real process, `ctx.stderr` under test. */
export function serveLogger(ctx: CliContext, level: LogLevel): Logger {
  const dest: LogDestination = ctx.logFd !== undefined ? { fd: ctx.logFd } : { write: ctx.stderr };
  return createLogger({ level, now: () => ctx.clock.nowMs(), ...dest });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Re-reads the keys (config file, key file, start-up environment) and the
 * clients before either is swapped: a bad reload keeps all in force, so a
 * typo never locks every caller out.
 */
function reload(input: Parameters<typeof reloadCredentials>[0], server: RunningServer, log: Logger): void {
  let fresh: ReturnType<typeof reloadCredentials>;
  try {
    fresh = reloadCredentials(input);
  } catch (err) {
    log.error("reload failed; keeping the current API keys and clients", { error: errorText(err) });
    server.audit?.note({ event: "keys.reload", outcome: "failed", reason: "invalid_argument" });
    return;
  }
  server.keys.replace(fresh.keyRing);
  server.clients.replace(fresh.clients);
  server.audit?.note({
    event: "keys.reload", outcome: "allowed", api_keys: [...fresh.keyRing.apiKeys], clients: fresh.clients.map((c) => c.name),
    policies: fresh.clients.filter((c) => c.policy).map((c) => c.name),
  });
  log.info("API keys and clients reloaded", { apiKeys: fresh.keyRing.apiKeys, clients: fresh.clients.map((c) => c.name) });
}

/**
 * `roomgate serve`: resolves the configuration, starts the server, reloads
 * keys and clients on SIGHUP and closes gracefully on SIGTERM/SIGINT (or when the npx/npm
 * launcher that started it exits). Resolves with the
 * exit code once the server has closed.
 */
export async function runServe(args: string[], ctx: CliContext): Promise<number> {
  const { values: f } = parseFlags(args, OPTIONS, "serve");
  if (f.help) {
    ctx.stdout(SERVE_HELP);
    return 0;
  }
  const flags = {
    ...(f.dev ? { dev: true } : {}),
    ...(f.config !== undefined ? { config: f.config } : {}),
    ...(f["grpc-addr"] !== undefined ? { grpcAddr: f["grpc-addr"] } : {}),
    ...(f["http-addr"] !== undefined ? { httpAddr: f["http-addr"] } : {}),
    ...(f.data !== undefined ? { data: f.data } : {}),
    ...(f["audit-log"] !== undefined ? { auditLog: f["audit-log"] } : {}),
    ...(f.redis !== undefined ? { redis: f.redis } : {}),
    ...(f["redis-sentinel"] !== undefined ? { redisSentinel: f["redis-sentinel"] } : {}),
  };
  // Contract §15: serve's failures to start are JSON lines on stderr too, before the configured level is known.
  const startFailed = (err: unknown): number => {
    serveLogger(ctx, "info").error("server failed to start", { error: errorText(err) });
    return 1;
  };
  let config: ReturnType<typeof loadServerConfig>;
  try {
    config = loadServerConfig({ flags, env: ctx.env, readFile: ctx.readFile, makeTempDir: ctx.makeTempDir });
  } catch (err) {
    return startFailed(err);
  }
  const throwAwayDir = config.dev && f.data === undefined && !config.redis ? config.dataDir : undefined;
  const dropThrowAwayDir = () => {
    if (throwAwayDir === undefined) return;
    try {
      ctx.removeDir(throwAwayDir);
    } catch (err) {
      // Leaving a temporary directory behind must not turn a clean stop into a failure.
      ctx.stderr(`roomgate: could not remove ${throwAwayDir}: ${errorText(err)}\n`);
    }
  };

  const log = serveLogger(ctx, config.logLevel);
  let server: RunningServer;
  try {
    const keyRing = loadKeyRing(config.keys, ctx.readFile);
    server = await ctx.startServer(config, { logger: log, clock: ctx.clock, keyRing });
  } catch (err) {
    dropThrowAwayDir();
    return startFailed(err);
  }
  return new Promise<number>((resolve) => {
    const unsubscribe: (() => void)[] = [];
    let closing = false;
    const shutdown = (signal: SignalName | "parent exited") => {
      if (closing) return;
      closing = true;
      log.info("shutting down", { signal });
      server.close().then(
        () => 0,
        (err: unknown) => {
          log.error("error while closing", { error: errorText(err) });
          return 1;
        },
      ).then((code) => {
        for (const off of unsubscribe) off();
        dropThrowAwayDir();
        resolve(code);
      });
    };
    unsubscribe.push(ctx.onSignal("SIGHUP", () => {
      // Rotation first: the reload's own audit line goes to the new file.
      server.audit?.reopen();
      reload({ flags, env: ctx.env, readFile: ctx.readFile }, server, log);
    }));
    unsubscribe.push(ctx.onSignal("SIGTERM", () => shutdown("SIGTERM")));
    unsubscribe.push(ctx.onSignal("SIGINT", () => shutdown("SIGINT")));
    // npx/npm run do not pass a SIGTERM on to this process; their exit orphans it, which is the same request.
    if (ctx.onOrphaned) unsubscribe.push(ctx.onOrphaned(() => shutdown("parent exited")));
    // Logged only once the handlers are in place, so whoever waits for this line may signal at once.
    log.info("serving", { pid: ctx.pid, ...(config.redis ? { store: "redis", redisKeyPrefix: config.redis.keyPrefix, ...(config.redis.sentinel && { redisSentinel: config.redis.sentinel.master }) } : { dataDir: config.dataDir }), apiKeys: server.keys.current().apiKeys });
    if (config.dev) log.warn("dev mode: the well-known dev key and client credential are accepted; never expose this server", { apiKey: "devkey" });
  });
}
