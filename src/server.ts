import { setMaxListeners } from "node:events";
import * as http from "node:http";
import { hostname } from "node:os";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Clock } from "./core/clock.js";
import { createKeyProvider, type KeyProvider, type KeyRing } from "./core/keys.js";
import type { ServerConfig } from "./config/server-config.js";
import type { Logger } from "./log.js";
import { createAuditLog, disabledAuditLog, type AuditLog } from "./audit/audit-log.js";
import { openAuditSink } from "./audit/audit-sink.js";
import { routeGrpcLogs } from "./grpc-log.js";
import { instrumentService } from "./metrics/instrument.js";
import { createMetrics, type Metrics, type TransportName } from "./metrics/metrics.js";
import { createInProcessEvents } from "./participants/events.js";
import type { CommitStats } from "./participants/group-commit.js";
import { createParticipantRegistry } from "./participants/registry.js";
import type { ParticipantStore } from "./participants/store.js";
import { createRedisPlane } from "./participants/redis/plane.js";
import { followStoreHealth } from "./participants/redis/server-glue.js";
import { systemTimers, type Timers } from "./participants/timers.js";
import { createParticipantService } from "./services/participant-service.js";
import { createRoomServiceCompat } from "./services/room-service-compat.js";
import { createClientHolder, createTokenService, type ClientHolder } from "./services/token-service.js";
import { createTokenVerifier } from "./services/token-verifier.js";
import { createExpirySweep } from "./services/watch-expiry.js";
import { createCallTracker } from "./transport/call-tracker.js";
import { capConnections, grpcConnectionOptions, httpConnectionOptions, listenGrpc, type GrpcListener } from "./transport/connection-limits.js";
import { createCodecCompiler } from "./transport/codec/codec.js";
import { addGrpcService } from "./transport/grpc-adapter.js";
import { createSendBudget } from "./transport/send-budget.js";
import { splitHostPort } from "./transport/host-port.js";
import { reflectionPackageDefinition } from "./transport/reflection.js";
import { createTwirpRouter, LIVEKIT_ROUTES } from "./transport/twirp.js";
import { file_health_v1_health } from "../gen/health/v1/health_pb.js";
import { file_livekit_room_service, RoomService } from "../gen/livekit/room_service_pb.js";
import { file_roomgate_v1_participant_service, ParticipantService } from "../gen/roomgate/v1/participant_service_pb.js";
import { file_roomgate_v1_token_service, TokenService } from "../gen/roomgate/v1/token_service_pb.js";

/** What a running server exposes to its owner (the CLI, tests, benchmarks). */
export interface RunningServer {
  /** The bound gRPC port (useful when the config asked for port 0). */
  grpcPort: number;
  /** The bound HTTP (Twirp) port. */
  httpPort: number;
  /** The bound port of `metrics_addr`, when metrics are served apart. */
  metricsPort?: number;
  /** The key ring in force; `replace` it to reload keys without dropping requests. */
  keys: KeyProvider;
  /** The CreateToken client credentials in force; `replace` them to reload clients the same way. */
  clients: ClientHolder;
  /** The audit log in force; `reopen` it after rotation (SIGHUP), `note` reloads on it. */
  audit?: AuditLog;
  /** Stops accepting calls, ends streams, waits for in-flight calls (up to the grace period), then closes. */
  close(graceMs?: number): Promise<void>;
  /** The participant store's commits and the writes they acknowledged (the benchmark's updates per fsync). */
  commitStats(): CommitStats;
}

/** Injected dependencies of the server. */
export interface ServerDeps {
  logger: Logger;
  clock: Clock;
  keyRing: KeyRing;
  /** Drives the periodic token refresh (default: real timers); tests pass manual ones. */
  timers?: Timers;
  /** How long a store write waits for another connection's lock (default 5 s); tests of a locked store shorten it. */
  storeBusyTimeoutMs?: number;
  /** A participant store to use instead of the embedded SQLite one (roomgate/testing passes an in-memory store); the server closes it. */
  participantStore?: ParticipantStore;
  /** Monotonic milliseconds for the Redis staleness bound and update retry budget (default performance.now). */
  monotonicNow?: () => number;
}

const PARTICIPANT_SERVICE = "roomgate.v1.ParticipantService";
const ROOM_SERVICE = "livekit.RoomService";
const SERVICE_NAMES = ["roomgate.v1.TokenService", PARTICIPANT_SERVICE, ROOM_SERVICE];

// Imported only when used: better-sqlite3 is a native module, and roomgate/testing (in-memory store) must load none.
async function openSqliteStore(cfg: ServerConfig, deps: ServerDeps): Promise<ParticipantStore> {
  const { createSqliteParticipantStore } = await import("./participants/sqlite-store.js");
  return createSqliteParticipantStore({
    dataDir: cfg.dataDir,
    ...(deps.storeBusyTimeoutMs !== undefined && { busyTimeoutMs: deps.storeBusyTimeoutMs }),
  });
}

function listenHttp(server: http.Server, addr: string): Promise<number> {
  const { host, port } = splitHostPort(addr);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : port);
    });
  });
}

/** Builds and starts the gRPC and Twirp servers for a resolved configuration. */
export async function startServer(cfg: ServerConfig, deps: ServerDeps): Promise<RunningServer> {
  const log = deps.logger;
  const shutdown = new AbortController();
  // Every open watch stream listens for shutdown; there is no leak to warn about.
  setMaxListeners(0, shutdown.signal);
  const keys = createKeyProvider(deps.keyRing);
  let audit: AuditLog = disabledAuditLog;
  // Participant plane: an injected store, the embedded SQLite store with in-process fan-out, or Redis shared by
  // several instances; the registry's live state is what the verifier consults.
  const monotonicNow = deps.monotonicNow ?? (() => performance.now());
  const redis = !deps.participantStore && cfg.redis ? createRedisPlane(cfg.redis, log, monotonicNow) : undefined;
  const participantStore = deps.participantStore ?? redis?.store ?? (await openSqliteStore(cfg, deps));
  const registry = createParticipantRegistry({
    store: participantStore, events: redis?.events ?? createInProcessEvents(log), keys, clock: deps.clock,
    timers: deps.timers ?? systemTimers, settings: cfg.participants, log,
    // Each instance serializes its own updates of a participant, so a conflict means another instance's write went through.
    ...(redis && cfg.redis && { updateRetry: { budgetMs: cfg.redis.timeoutMs, now: monotonicNow } }),
  });
  const liveState = redis ? redis.guard(registry.liveState) : registry.liveState;
  const closeParticipants = async (): Promise<void> => {
    registry.stop();
    if (redis) await redis.close();
    else await participantStore.close();
    audit.close();
  };
  const starting = redis
    ? redis.start(registry)
    : registry.start();
  await starting.catch(async (err: unknown) => {
    await closeParticipants();
    throw err;
  });
  // Opened before anything listens: a server that could not audit must not serve at all.
  if (cfg.auditLog !== undefined) {
    try {
      audit = createAuditLog({
        sink: openAuditSink(cfg.auditLog, { fsync: cfg.auditFsync === true }), clock: deps.clock, log,
        instance: cfg.instanceId ?? `${hostname()}:${process.pid}`,
      });
    } catch (err) {
      await closeParticipants();
      throw new Error(`cannot open audit log ${cfg.auditLog}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const verifier = createTokenVerifier({ keys, clock: deps.clock, policy: cfg.policy, live: liveState });
  const clients = createClientHolder(cfg.clients);
  const metrics: Metrics | undefined = cfg.metrics === false ? undefined : createMetrics({
    participantsActive: () => participantStore.countActive?.() ?? Promise.reject(new Error("the store cannot count participants")),
  });
  const debugLog = cfg.logLevel === "debug" ? log : undefined;
  // Without metrics and debug lines the services are served as they are: nothing is added to the hot path.
  const instrument = <T>(service: Parameters<typeof instrumentService>[0], impl: T, transport: TransportName): T =>
    metrics || debugLog ? (instrumentService(service, impl as never, { transport, ...(metrics && { metrics }), ...(debugLog && { debugLog }) }) as T) : impl;
  const tokenService = createTokenService({
    keys, clock: deps.clock, verifier, clients: () => clients.current(), mint: cfg.mint, maxTokenBytes: cfg.policy.maxTokenBytes, audit,
    ...(metrics && { onMinted: (client: string) => metrics.tokenMinted(client) }),
  });

  const grpcServer = new grpc.Server({ "grpc.max_receive_message_length": cfg.maxRequestBytes, ...grpcConnectionOptions(cfg.connections) });
  const calls = createCallTracker();
  // One compiler for both transports: each message type is compiled once, at start-up.
  const codecs = createCodecCompiler();
  const sendBudget = createSendBudget(cfg.participants.maxWatchPendingBytes);
  const adapterDeps = { log, shutdown: shutdown.signal, calls, sendBudget, codecs };
  addGrpcService(grpcServer, TokenService, instrument(TokenService, tokenService, "grpc"), adapterDeps);
  const participantService = createParticipantService({
    registry, verifier, expiry: createExpirySweep(deps.clock, deps.timers ?? systemTimers), watchBuffer: cfg.participants.watchBuffer, sendBudget,
    audit, clock: deps.clock,
  });
  addGrpcService(grpcServer, ParticipantService, instrument(ParticipantService, participantService, "grpc"), adapterDeps);
  const roomServiceCompat = createRoomServiceCompat({ registry, verifier, limits: cfg.participants.limits, audit, clock: deps.clock });
  addGrpcService(grpcServer, RoomService, instrument(RoomService, roomServiceCompat, "grpc"), adapterDeps);
  const health = new HealthImplementation(Object.fromEntries([["", "SERVING"], ...SERVICE_NAMES.map((n) => [n, "SERVING"])]));
  health.addToServer(grpcServer);
  // ParticipantService follows the store; "" and TokenService stay SERVING (CreateToken needs no store).
  const healthTimers = redis ? [PARTICIPANT_SERVICE, ROOM_SERVICE].map((name) => followStoreHealth(health, name, () => redis.serving())) : [];
  new ReflectionService(
    reflectionPackageDefinition(file_roomgate_v1_token_service, file_roomgate_v1_participant_service, file_livekit_room_service, file_health_v1_health),
  ).addToServer(grpcServer);

  const twirp = createTwirpRouter({ log, maxRequestBytes: cfg.maxRequestBytes, codecs });
  twirp.add(TokenService, instrument(TokenService, tokenService, "twirp"));
  twirp.add(ParticipantService, instrument(ParticipantService, participantService, "twirp"));
  twirp.add(RoomService, instrument(RoomService, roomServiceCompat, "twirp"), LIVEKIT_ROUTES);
  const serveMetrics = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (!metrics || req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") return false;
    metrics.render().then(
      (text) => res.writeHead(200, { "Content-Type": metrics.contentType }).end(text),
      (err: unknown) => {
        log.error("metrics not rendered", { cause: err });
        res.writeHead(500, { "Content-Type": "text/plain" }).end("metrics unavailable\n");
      },
    );
    return true;
  };
  const metricsServer = cfg.metricsAddr !== undefined && metrics
    ? http.createServer((req, res) => {
      if (!serveMetrics(req, res)) res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    })
    : undefined;
  const httpServer = http.createServer(httpConnectionOptions(cfg.connections), (req, res) => {
    twirp.handle(req, res).then(
      (handled) => {
        if (handled) return;
        if (!metricsServer && serveMetrics(req, res)) return;
        if (req.method === "GET" && req.url === "/healthz") {
          res.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
          return;
        }
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      },
      (err: unknown) => {
        log.error("http request failed", { cause: err });
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end();
      },
    );
  });

  // A socket idle (no bytes either way) while a request is served for longer than the request deadline is dropped too.
  httpServer.setTimeout(cfg.connections.httpRequestTimeoutMs);
  capConnections(httpServer, cfg.connections.maxConnections, "http", log);

  let grpcListener: GrpcListener | undefined;
  let httpPort: number;
  let metricsPort: number | undefined;
  try {
    grpcListener = await listenGrpc(grpcServer, cfg.grpcAddr, cfg.connections, log);
    httpPort = await listenHttp(httpServer, cfg.httpAddr);
    if (metricsServer) metricsPort = await listenHttp(metricsServer, cfg.metricsAddr!);
  } catch (err) {
    grpcListener?.close();
    grpcServer.forceShutdown();
    httpServer.close();
    metricsServer?.close();
    await closeParticipants();
    throw err;
  }
  const grpcPort = grpcListener.port;
  const unrouteGrpcLogs = routeGrpcLogs(log);
  log.info("roomgate listening", {
    grpc: grpcPort, http: httpPort, dev: cfg.dev, keys: deps.keyRing.apiKeys.length,
    metrics: metrics ? (metricsPort ?? httpPort) : false, audit: cfg.auditLog ?? false,
  });

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> => {
    closing ??= (async () => {
      for (const t of healthTimers) clearInterval(t);
      for (const n of ["", ...SERVICE_NAMES]) health.setStatus(n, "NOT_SERVING");
      shutdown.abort();
      grpcListener.close();
      const timer = setTimeout(() => {
        grpcServer.forceShutdown();
        httpServer.closeAllConnections();
      }, graceMs);
      const grpcClosed = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
      // Once roomgate's own calls are done, what remains are other services' streams (health Watch,
      // reflection), which would otherwise hold the stop for the whole grace period.
      // The short pause lets health watchers receive NOT_SERVING before their stream is cut.
      void calls.idle().then(() => setTimeout(() => grpcServer.forceShutdown(), 100).unref());
      await Promise.all([
        grpcClosed,
        ...(metricsServer ? [new Promise<void>((resolve) => {
          metricsServer.close(() => resolve());
          metricsServer.closeAllConnections();
        })] : []),
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeIdleConnections();
        }),
      ]);
      clearTimeout(timer);
      await closeParticipants();
      unrouteGrpcLogs();
      log.info("roomgate stopped");
    })();
    return closing;
  };
  return {
    grpcPort, httpPort, ...(metricsPort !== undefined && { metricsPort }), keys, clients, audit, close,
    commitStats: () => participantStore.commitStats?.() ?? { flushes: 0, writes: 0 },
  };
}
