import { setMaxListeners } from "node:events";
import * as http from "node:http";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Clock } from "./core/clock.js";
import { createKeyProvider, type KeyProvider, type KeyRing } from "./core/keys.js";
import type { ServerConfig } from "./config/server-config.js";
import type { Logger } from "./log.js";
import { createInProcessEvents } from "./participants/events.js";
import { createParticipantRegistry } from "./participants/registry.js";
import { createRedisPlane, REDIS_UPDATE_ATTEMPTS } from "./participants/redis/plane.js";
import { followStoreHealth, mintForWatchers } from "./participants/redis/server-glue.js";
import { createSqliteParticipantStore } from "./participants/sqlite-store.js";
import { systemTimers, type Timers } from "./participants/timers.js";
import { createParticipantService } from "./services/participant-service.js";
import { createRoomServiceCompat } from "./services/room-service-compat.js";
import { createClientHolder, createTokenService, type ClientHolder } from "./services/token-service.js";
import { createTokenVerifier } from "./services/token-verifier.js";
import { createCallTracker } from "./transport/call-tracker.js";
import { addGrpcService } from "./transport/grpc-adapter.js";
import { splitHostPort } from "./transport/host-port.js";
import { reflectionPackageDefinition } from "./transport/reflection.js";
import { createTwirpRouter, LIVEKIT_JSON } from "./transport/twirp.js";
import { file_health_v1_health } from "../gen/health/v1/health_pb.js";
import { RoomService } from "../gen/livekit/room_service_pb.js";
import { file_roomgate_v1_participant_service, ParticipantService } from "../gen/roomgate/v1/participant_service_pb.js";
import { file_roomgate_v1_token_service, TokenService } from "../gen/roomgate/v1/token_service_pb.js";

/** What a running server exposes to its owner (the CLI, tests, benchmarks). */
export interface RunningServer {
  /** The bound gRPC port (useful when the config asked for port 0). */
  grpcPort: number;
  /** The bound HTTP (Twirp) port. */
  httpPort: number;
  /** The key ring in force; `replace` it to reload keys without dropping requests. */
  keys: KeyProvider;
  /** The CreateToken client credentials in force; `replace` them to reload clients the same way. */
  clients: ClientHolder;
  /** Stops accepting calls, ends streams, waits for in-flight calls (up to the grace period), then closes. */
  close(graceMs?: number): Promise<void>;
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
  /** Monotonic milliseconds for the Redis staleness bound (default performance.now). */
  monotonicNow?: () => number;
}

const PARTICIPANT_SERVICE = "roomgate.v1.ParticipantService";
const SERVICE_NAMES = ["roomgate.v1.TokenService", PARTICIPANT_SERVICE];

function bindGrpc(server: grpc.Server, addr: string): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
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
  // Participant plane: the embedded store with in-process fan-out, or Redis shared by several instances.
  const redis = cfg.redis ? createRedisPlane(cfg.redis, log, deps.monotonicNow ?? (() => performance.now())) : undefined;
  const participantStore = redis?.store ?? createSqliteParticipantStore({
    dataDir: cfg.dataDir,
    ...(deps.storeBusyTimeoutMs !== undefined && { busyTimeoutMs: deps.storeBusyTimeoutMs }),
  });
  const registry = createParticipantRegistry({
    store: participantStore, events: redis?.events ?? createInProcessEvents(log), keys, clock: deps.clock,
    timers: deps.timers ?? systemTimers, settings: cfg.participants, log, ...(redis && { maxUpdateAttempts: REDIS_UPDATE_ATTEMPTS }),
  });
  const liveState = redis ? redis.guard(registry.liveState) : registry.liveState;
  const closeParticipants = async (): Promise<void> => {
    registry.stop();
    if (redis) await redis.close();
    else await participantStore.close();
  };
  const starting = redis
    ? redis.start(registry, (r) => mintForWatchers(keys, deps.clock, cfg.participants.refreshTtlSeconds, liveState, r))
    : registry.start();
  await starting.catch(async (err: unknown) => {
    await closeParticipants();
    throw err;
  });
  const verifier = createTokenVerifier({ keys, clock: deps.clock, policy: cfg.policy, live: liveState });
  const clients = createClientHolder(cfg.clients);
  const tokenService = createTokenService({ keys, clock: deps.clock, verifier, clients: () => clients.current(), mint: cfg.mint, maxTokenBytes: cfg.policy.maxTokenBytes });

  const grpcServer = new grpc.Server({ "grpc.max_receive_message_length": cfg.maxRequestBytes });
  const calls = createCallTracker();
  const adapterDeps = { log, shutdown: shutdown.signal, calls };
  addGrpcService(grpcServer, TokenService, tokenService, adapterDeps);
  const participantService = createParticipantService({ registry, verifier });
  addGrpcService(grpcServer, ParticipantService, participantService, adapterDeps);
  const health = new HealthImplementation(Object.fromEntries([["", "SERVING"], ...SERVICE_NAMES.map((n) => [n, "SERVING"])]));
  health.addToServer(grpcServer);
  // ParticipantService follows the store; "" and TokenService stay SERVING (CreateToken needs no store).
  const healthTimer = redis ? followStoreHealth(health, PARTICIPANT_SERVICE, () => redis.serving()) : undefined;
  new ReflectionService(
    reflectionPackageDefinition(file_roomgate_v1_token_service, file_roomgate_v1_participant_service, file_health_v1_health),
  ).addToServer(grpcServer);

  const twirp = createTwirpRouter({ log, maxRequestBytes: cfg.maxRequestBytes });
  twirp.add(TokenService, tokenService);
  twirp.add(ParticipantService, participantService);
  twirp.add(RoomService, createRoomServiceCompat({ registry, verifier }), LIVEKIT_JSON);
  const httpServer = http.createServer((req, res) => {
    twirp.handle(req, res).then(
      (handled) => {
        if (handled) return;
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

  let grpcPort: number;
  let httpPort: number;
  try {
    grpcPort = await bindGrpc(grpcServer, cfg.grpcAddr);
    httpPort = await listenHttp(httpServer, cfg.httpAddr);
  } catch (err) {
    grpcServer.forceShutdown();
    httpServer.close();
    await closeParticipants();
    throw err;
  }
  log.info("roomgate listening", { grpc: grpcPort, http: httpPort, dev: cfg.dev, keys: deps.keyRing.apiKeys.length });

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> => {
    closing ??= (async () => {
      if (healthTimer) clearInterval(healthTimer);
      for (const n of ["", ...SERVICE_NAMES]) health.setStatus(n, "NOT_SERVING");
      shutdown.abort();
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
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeIdleConnections();
        }),
      ]);
      clearTimeout(timer);
      await closeParticipants();
      log.info("roomgate stopped");
    })();
    return closing;
  };
  return { grpcPort, httpPort, keys, clients, close };
}
