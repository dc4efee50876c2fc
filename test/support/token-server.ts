import type * as grpc from "@grpc/grpc-js";
import { manualClock, type Clock, type ManualClock } from "../../src/core/clock.js";
import { hashCredential, parseCredentialHash } from "../../src/core/credentials.js";
import { DEFAULT_TOKEN_POLICY } from "../../src/core/jwt.js";
import { createKeyRing } from "../../src/core/keys.js";
import { DEFAULT_MINT_LIMITS } from "../../src/core/minting.js";
import { DEFAULT_CONNECTION_SETTINGS, DEFAULT_PARTICIPANT_SETTINGS, type ServerConfig } from "../../src/config/server-config.js";
import { silentLogger } from "../../src/log.js";
import { startServer, type RunningServer, type ServerDeps } from "../../src/server.js";
import type { RoomgateClient } from "../../src/client/client.js";
import { ParticipantService } from "../../gen/roomgate/v1/participant_service_pb.js";
import { TokenService } from "../../gen/roomgate/v1/token_service_pb.js";
import { insecureClientFor } from "./grpc-client.js";
import { clientOver } from "./participant-calls.js";

/** Test API key and its 32+ byte secret. */
export const API_KEY = "APItestkey";
export const API_SECRET = "a-test-secret-that-is-at-least-32-bytes-long";
/** A second key, to check key selection. */
export const OTHER_KEY = "APIother";
export const OTHER_SECRET = "another-secret-that-is-also-32-bytes-or-more";
/** The client credential CreateToken accepts in tests. */
export const CLIENT_CREDENTIAL = "test-client-credential";
/** The fixed start time of test clocks (2026-01-01T00:00:00Z). */
export const T0_MS = Date.UTC(2026, 0, 1);

/** A server on 127.0.0.1 with a manual clock, plus clients for it. */
export interface TestServer {
  server: RunningServer;
  /** The server's clock unless the test passed its own. */
  clock: ManualClock;
  config: ServerConfig;
  tokenClient: grpc.Client;
  participantClient: grpc.Client;
  /** roomgate/client over `tokenClient`'s channel (no retries); pass `credential`/`token` per call. */
  client: RoomgateClient;
  twirpUrl: string;
  close(): Promise<void>;
}

/** A resolved configuration for tests (random ports on loopback). */
export function testConfig(dataDir: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    dev: false,
    grpcAddr: "127.0.0.1:0",
    httpAddr: "127.0.0.1:0",
    dataDir,
    keys: { inline: new Map([[API_KEY, API_SECRET], [OTHER_KEY, OTHER_SECRET]]), allowShortSecrets: false },
    clients: [parseCredentialHash("test", hashCredential(CLIENT_CREDENTIAL))],
    mint: DEFAULT_MINT_LIMITS,
    policy: DEFAULT_TOKEN_POLICY,
    participants: DEFAULT_PARTICIPANT_SETTINGS,
    logLevel: "error",
    maxRequestBytes: 2 * 1024 * 1024,
    connections: DEFAULT_CONNECTION_SETTINGS,
    ...overrides,
  };
}

/** Server dependencies a test may replace (manual timers, a short store lock wait). */
export type TestServerDeps = Partial<Pick<ServerDeps, "timers" | "storeBusyTimeoutMs">>;

/** Starts a server for a test file. */
export async function startTestServer(
  dataDir: string, overrides: Partial<ServerConfig> = {}, serverClock?: Clock, deps: TestServerDeps = {},
): Promise<TestServer> {
  const clock = manualClock(T0_MS);
  const config = testConfig(dataDir, overrides);
  const keyRing = createKeyRing(config.keys.inline, { allowShortSecrets: config.keys.allowShortSecrets });
  const server = await startServer(config, { logger: silentLogger, clock: serverClock ?? clock, keyRing, ...deps });
  const address = `127.0.0.1:${server.grpcPort}`;
  const tokenClient = insecureClientFor(TokenService, address);
  const participantClient = insecureClientFor(ParticipantService, address);
  return {
    server,
    clock,
    config,
    tokenClient,
    participantClient,
    client: clientOver(tokenClient),
    twirpUrl: `http://127.0.0.1:${server.httpPort}/twirp`,
    close: async () => {
      tokenClient.close();
      participantClient.close();
      await server.close(1000);
    },
  };
}
