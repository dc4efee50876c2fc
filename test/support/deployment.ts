import { request, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inject, vi } from "vitest";
import { manualClock, type Clock } from "../../src/core/clock.js";
import type { ServerConfig } from "../../src/config/server-config.js";
import { ParticipantService } from "../../gen/roomgate/v1/participant_service_pb.js";
import { TokenService } from "../../gen/roomgate/v1/token_service_pb.js";
import { insecureClientFor } from "./grpc-client.js";
import { clientOver, participantCalls } from "./participant-calls.js";
import { testRedisSettings } from "./redis-instances.js";
import { startTestRedis } from "./redis-server.js";
import { T0_MS, startTestServer, type TestServer, type TestServerDeps } from "./token-server.js";

/** How the end-to-end suites run roomgate: one instance on SQLite, or two instances on one Redis behind round-robin balancing. */
export type DeploymentKind = "single" | "redis-pair";

declare module "vitest" {
  export interface ProvidedContext {
    deployment: DeploymentKind;
  }
}

/** The deployment this test project runs (vitest.config.ts provides it per project). */
export function deployment(): DeploymentKind {
  return inject("deployment") ?? "single";
}

/** A deployment under test: a TestServer whose clients and Twirp URL spread calls over every instance. */
export interface TestDeployment extends TestServer {
  /** Every instance, in start order (one for `single`). */
  instances: TestServer[];
}

/**
 * Starts the deployment of this test project. `single` is startTestServer on `dataDir`. `redis-pair`
 * starts a redis-server of its own and two instances on it sharing one clock (and `deps`); gRPC
 * calls go round-robin over both (grpc-js `round_robin`, one call each), Twirp requests alternate
 * through a loopback proxy, and `server` is the first instance (for raw connections and ports).
 * Instance N is named `<instanceId or "pair">-N`; an `auditLog` path is shared, each line one append.
 */
export async function startDeployment(
  dataDir: string, overrides: Partial<ServerConfig> = {}, serverClock?: Clock, deps: TestServerDeps = {},
): Promise<TestDeployment> {
  if (deployment() === "single") {
    const s = await startTestServer(dataDir, overrides, serverClock, deps);
    return { ...s, instances: [s] };
  }
  const redis = await startTestRedis();
  const clock = manualClock(T0_MS);
  const started: TestServer[] = [];
  try {
    const settings = testRedisSettings(redis);
    for (let i = 0; i < 2; i++) {
      started.push(await startTestServer(dataDir, { ...overrides, redis: settings, instanceId: `${overrides.instanceId ?? "pair"}-${i}` }, serverClock ?? clock, deps));
    }
  } catch (err) {
    for (const s of started) await s.close();
    await redis.stop();
    throw err;
  }
  const [a, b] = started as [TestServer, TestServer];
  const target = `ipv4:127.0.0.1:${a.server.grpcPort},127.0.0.1:${b.server.grpcPort}`;
  const balanced = { "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) };
  const tokenClient = insecureClientFor(TokenService, target, balanced);
  const participantClient = insecureClientFor(ParticipantService, target, balanced);
  const proxy = await alternatingProxy([a.server.httpPort, b.server.httpPort]);
  return {
    server: a.server,
    clock,
    config: a.config,
    tokenClient,
    participantClient,
    client: clientOver(tokenClient),
    twirpUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/twirp`,
    instances: started,
    close: async () => {
      tokenClient.close();
      participantClient.close();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      // The redis-server is stopped whatever an instance's close does: a test must never leave one running.
      try {
        for (const s of started) await s.close();
      } finally {
        await redis.stop();
      }
    },
  };
}

/**
 * How long a change made on one instance may take to reach another's memory in these tests: contract
 * §10 promises one second (test/e2e/redis-instances checks that bound); the rest is slack for a loaded machine.
 */
export const PROPAGATION_MS = 3000;

/**
 * Asserts on every instance through its own clients: on one instance at once, on several until it
 * holds on each (within PROPAGATION_MS). For what an instance answers from memory (VerifyToken's
 * revocations and live permissions), which other instances learn through Redis.
 */
export async function onEveryInstance(d: TestDeployment, assertion: (calls: ReturnType<typeof participantCalls>) => Promise<void>): Promise<void> {
  if (d.instances.length === 1) return assertion(participantCalls(d.participantClient, d.tokenClient));
  for (const i of d.instances) {
    const calls = participantCalls(i.participantClient, i.tokenClient);
    await vi.waitFor(() => assertion(calls), { timeout: PROPAGATION_MS, interval: 20 });
  }
}

/** A loopback HTTP proxy sending each request to the next of `ports` in turn, as a round-robin load balancer does. */
async function alternatingProxy(ports: number[]): Promise<Server> {
  let next = 0;
  const server = createServer((req, res) => {
    const port = ports[next++ % ports.length]!;
    const upstream = request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
