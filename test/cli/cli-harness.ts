import { manualClock, type ManualClock } from "../../src/core/clock.js";
import { createKeyProvider } from "../../src/core/keys.js";
import { createClientHolder } from "../../src/services/token-service.js";
import type { CliContext, RunningServer, SignalName } from "../../src/cli/context.js";
import { runCli } from "../../src/cli/run.js";
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { createRoomgateClient, roomgateClientOn, type RoomgateClient } from "../../src/client/client.js";
import { grpcTransport } from "../../src/client/grpc-transport.js";
import type { Transport } from "../../src/client/transport.js";

/** Unix time the harness clock starts at (ms). */
export const NOW_MS = 1_800_000_000_000;

/** An in-process CLI run: captured output plus hooks into the fake process. */
export interface Harness {
  ctx: CliContext;
  clock: ManualClock;
  out: () => string;
  err: () => string;
  signals: Map<SignalName, () => void>;
  removed: string[];
  run: (...argv: string[]) => Promise<number>;
}

/** Builds a context whose process facilities are all fakes; `overrides` replaces any of them. */
export function harness(overrides: Partial<CliContext> = {}, files: Record<string, string> = {}): Harness {
  let stdout = "";
  let stderr = "";
  const clock = manualClock(NOW_MS);
  const signals = new Map<SignalName, () => void>();
  const removed: string[] = [];
  const ctx: CliContext = {
    env: {},
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    clock,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
      return text;
    },
    version: "9.9.9-test",
    pid: 4242,
    makeTempDir: () => "/tmp/roomgate-dev-test",
    removeDir: (path) => void removed.push(path),
    onSignal: (signal, handler) => {
      signals.set(signal, handler);
      return () => void signals.delete(signal);
    },
    startServer: async (config, deps): Promise<RunningServer> => ({
      grpcPort: 1,
      httpPort: 2,
      keys: createKeyProvider(deps.keyRing),
      clients: createClientHolder(config.clients),
      close: async () => {},
    }),
    connect: async (options) => createRoomgateClient(options),
    ...overrides,
  };
  return {
    ctx,
    clock,
    out: () => stdout,
    err: () => stderr,
    signals,
    removed,
    run: (...argv) => runCli(argv, ctx),
  };
}

/** Decodes a JWT's payload without checks (for assertions). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** One call a fake or recording client saw: the method, the request and its bearer. */
export interface SeenCall {
  method: string;
  req: MessageShape<DescMessage>;
  bearer?: string;
}

/** A roomgate/client whose calls go to `answer` (a fake server) and are recorded in `seen`. */
export function fakeClient(
  seen: SeenCall[],
  answer: (method: string, req: MessageShape<DescMessage>) => MessageInitShape<DescMessage> | Promise<MessageInitShape<DescMessage>>,
): RoomgateClient {
  const transport: Transport = {
    address: "fake:1",
    async unary(method, req, setup) {
      seen.push({ method: method.name, req, ...(setup.bearer !== undefined && { bearer: setup.bearer }) });
      return create(method.output, await answer(method.name, req));
    },
    stream: () => {
      throw new Error("the fake client has no streams");
    },
    close: () => void seen.push({ method: "close", req: create(EmptySchema) }),
  };
  return roomgateClientOn(transport, { retry: false });
}

/** A real client for `address` that records the bearer of every call. */
export function recordingClient(address: string, bearers: string[]): RoomgateClient {
  const inner = grpcTransport(address);
  return roomgateClientOn({
    ...inner,
    unary: (method, req, setup) => {
      if (setup.bearer !== undefined) bearers.push(setup.bearer);
      return inner.unary(method, req, setup);
    },
    stream: (method, req, setup) => {
      if (setup.bearer !== undefined) bearers.push(setup.bearer);
      return inner.stream(method, req, setup);
    },
  }, { retry: false });
}
