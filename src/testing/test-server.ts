import { DEV_API_KEY, DEV_API_SECRET, DEV_CLIENT_CREDENTIAL, loadKeyRing, loadServerConfig } from "../config/load-config.js";
import { systemClock } from "../core/clock.js";
import { hashCredential, parseCredentialHash } from "../core/credentials.js";
import { silentLogger, type Logger } from "../log.js";
import { createMemoryParticipantStore } from "../participants/memory-store.js";
import { startServer } from "../server.js";

/** Options of `startTestServer`. */
export interface TestServerOptions {
  /** More API keys next to the dev key (`key → secret`; secrets of 32 bytes or more). */
  keys?: Record<string, string>;
  /** More CreateToken clients next to the dev one (`name → credential`). */
  clients?: Record<string, string>;
  /** Where the server logs (default: nowhere). */
  logger?: Logger;
}

/** A running in-process roomgate for contract tests. */
export interface TestServer {
  /** `127.0.0.1:PORT` of the gRPC port (for `createRoomgateClient({ address })`). */
  grpcAddress: string;
  /** `http://127.0.0.1:PORT` of the HTTP port (Twirp, and livekit-server-sdk's RoomServiceClient). */
  httpUrl: string;
  /** The dev API key (`devkey`) and its secret (`secret`). */
  apiKey: string;
  apiSecret: string;
  /** The dev client credential for CreateToken (`devclient`). */
  credential: string;
  /** Stops the server; afterwards nothing it started keeps the process alive. */
  stop(): Promise<void>;
}

/**
 * Starts a real roomgate in this process on free loopback ports, with the
 * dev key and client and an in-memory participant store (no native module,
 * no files): the same services, errors and tokens as `roomgate serve`.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = loadServerConfig({
    flags: { dev: true, grpcAddr: "127.0.0.1:0", httpAddr: "127.0.0.1:0", data: "(in memory)" },
    env: {},
    readFile: () => "",
    makeTempDir: () => "(in memory)",
  });
  for (const [key, secret] of Object.entries(options.keys ?? {})) config.keys.inline.set(key, secret);
  // Extra keys must not take over signing: the dev key stays the default, as the returned apiKey says.
  config.keys.defaultKey = DEV_API_KEY;
  for (const [name, credential] of Object.entries(options.clients ?? {})) config.clients.push(parseCredentialHash(name, hashCredential(credential)));
  const keyRing = loadKeyRing(config.keys, () => "");
  const server = await startServer(config, {
    logger: options.logger ?? silentLogger,
    clock: systemClock,
    keyRing,
    participantStore: createMemoryParticipantStore(),
  });
  return {
    grpcAddress: `127.0.0.1:${server.grpcPort}`,
    httpUrl: `http://127.0.0.1:${server.httpPort}`,
    apiKey: DEV_API_KEY,
    apiSecret: DEV_API_SECRET,
    credential: DEV_CLIENT_CREDENTIAL,
    stop: () => server.close(1000),
  };
}
