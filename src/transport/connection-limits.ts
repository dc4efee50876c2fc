import type * as http from "node:http";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { ConnectionSettings } from "../config/server-config.js";
import type { Logger } from "../log.js";
import { splitHostPort } from "./host-port.js";

/** grpc-js server options for keepalive pings, idle connections and connection age. */
export function grpcConnectionOptions(c: ConnectionSettings): grpc.ServerOptions {
  return {
    "grpc.keepalive_time_ms": c.grpcKeepaliveTimeMs,
    "grpc.keepalive_timeout_ms": c.grpcKeepaliveTimeoutMs,
    "grpc.max_connection_idle_ms": c.grpcIdleTimeoutMs,
    // grpc-js reads an absent option as "no limit"; 0 would mean "at once".
    ...(c.grpcMaxConnectionAgeMs > 0 && { "grpc.max_connection_age_ms": c.grpcMaxConnectionAgeMs }),
    ...(c.grpcMaxConnectionAgeGraceMs > 0 && { "grpc.max_connection_age_grace_ms": c.grpcMaxConnectionAgeGraceMs }),
  };
}

/**
 * node:http server options: header (slowloris) and request deadlines and the
 * keep-alive idle limit. Node checks the deadlines on an interval; it is kept
 * well below the header deadline so a short one is enforced on time.
 */
export function httpConnectionOptions(c: ConnectionSettings): http.ServerOptions {
  return {
    headersTimeout: c.httpHeaderTimeoutMs,
    requestTimeout: c.httpRequestTimeoutMs,
    keepAliveTimeout: c.httpIdleTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(c.httpHeaderTimeoutMs / 4))),
  };
}

/**
 * Caps a listener's open connections: past `max`, Node closes a new socket
 * as soon as it is accepted. One warning per episode of being full (the
 * next one after a connection has closed again), so a flood cannot flood the log.
 */
export function capConnections(server: net.Server, max: number, listener: string, log: Logger): void {
  server.maxConnections = max;
  let full = false;
  server.on("drop", () => {
    if (full) return;
    full = true;
    log.warn("connection limit reached; refusing new connections", { listener, maxConnections: max });
  });
  server.on("connection", (socket: net.Socket) => socket.once("close", () => void (full = false)));
}

/** A gRPC listener of our own, feeding grpc-js through a connection injector. */
export interface GrpcListener {
  port: number;
  /** Stops accepting; grpc-js's own shutdown closes the connections already handed over. */
  close(): void;
}

/**
 * Listens for gRPC on `addr` with a `net.Server` of our own and hands each
 * accepted socket to grpc-js (`createConnectionInjector`): grpc-js keeps its
 * http2 server private, and this is how the connection cap reaches gRPC.
 * Shutdown, keepalive and idle handling stay grpc-js's.
 */
export function listenGrpc(server: grpc.Server, addr: string, c: ConnectionSettings, log: Logger): Promise<GrpcListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const tcp = net.createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
  capConnections(tcp, c.maxConnections, "grpc", log);
  const { host, port } = splitHostPort(addr);
  return new Promise((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => {
      tcp.off("error", reject);
      const a = tcp.address();
      resolve({ port: typeof a === "object" && a ? a.port : port, close: () => void tcp.close() });
    });
  });
}
