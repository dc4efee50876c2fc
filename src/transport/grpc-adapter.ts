import * as grpc from "@grpc/grpc-js";
import type { DescMessage, DescMethod, DescService, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { invalidArgument, RoomgateError } from "../core/errors.js";
import type { Logger } from "../log.js";
import { bearerCredential, type CallContext, type InterruptibleStream } from "./call-context.js";
import type { CallTracker } from "./call-tracker.js";
import type { SendBudget } from "./send-budget.js";
import { createCodecCompiler, type CodecCompiler } from "./codec/codec.js";
import { toGrpcStatus } from "./status.js";
import { isThenable } from "./maybe-async.js";

type In<M extends GenServiceMethods[string]> = MessageShape<M["input"]>;
type Out<M extends GenServiceMethods[string]> = MessageShape<M["output"]>;

/**
 * A transport-neutral implementation of a generated service: unary handlers
 * (a handler that can answer at once returns the response itself, sparing the
 * transports a promise turn), async-iterable streams.
 */
export type ServiceImpl<S extends GenServiceMethods> = {
  [K in keyof S]: S[K]["methodKind"] extends "unary"
    ? (req: In<S[K]>, ctx: CallContext) => Out<S[K]> | Promise<Out<S[K]>>
    : S[K]["methodKind"] extends "server_streaming"
      ? (req: In<S[K]>, ctx: CallContext) => AsyncIterable<Out<S[K]>>
      : never;
};

const identity = (b: Buffer): Buffer => b;

/** The implementation type of a generated service constant, e.g. `ImplOf<typeof TokenService>`. */
export type ImplOf<T> = T extends GenService<infer S> ? ServiceImpl<S> : never;

/**
 * grpc-js method definition for a protobuf-es method (requests stay bytes until the handler decodes them).
 * A stream's response is encoded once per message object: a handler that sends one object to many
 * streams (a watched participant's update to all its watchers) pays for one encoding, not one per stream.
 */
function serverMethod(m: DescMethod, codecs: CodecCompiler): grpc.MethodDefinition<Buffer, unknown> & { responseSerialize: (msg: unknown) => Buffer } {
  const output = codecs.codec(m.output);
  const encode = (msg: unknown): Buffer => output.encode(msg as MessageShape<DescMessage>);
  const encoded = new WeakMap<object, Buffer>();
  const encodeShared = (msg: unknown): Buffer => {
    let bytes = encoded.get(msg as object);
    if (!bytes) encoded.set(msg as object, (bytes = encode(msg)));
    return bytes;
  };
  return {
    path: `/${m.parent.typeName}/${m.name}`,
    requestStream: false,
    responseStream: m.methodKind === "server_streaming",
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: m.methodKind === "server_streaming" ? encodeShared : encode,
    responseDeserialize: (b: Buffer) => output.decode(b),
    originalName: m.localName,
  };
}

// Decoding inside the handler turns undecodable bytes into INVALID_ARGUMENT instead of grpc-js's INTERNAL.
function requestDecoder(m: DescMethod, codecs: CodecCompiler): (bytes: Buffer) => MessageShape<DescMessage> {
  const input = codecs.codec(m.input);
  return (bytes) => {
    try {
      return input.decode(bytes);
    } catch {
      throw invalidArgument("request", "could not be decoded");
    }
  };
}


type ServerCall = grpc.ServerUnaryCall<Buffer, unknown> | grpc.ServerWritableStream<Buffer, unknown>;

/**
 * A call's context whose AbortController is made on first use of `signal`:
 * grpc-js emits "cancelled" when every stream closes, even after a clean
 * reply, so an eager controller cost an abort (and a DOMException with a
 * stack trace) on every call of a handler that never looks at the signal.
 */
class LazyCallContext implements CallContext {
  credential?: string;
  private controller: AbortController | undefined;
  private onAbort: (() => void) | undefined;

  constructor(
    private readonly call: ServerCall,
    private readonly shutdown: AbortSignal,
  ) {
    const auth = call.metadata.get("authorization")[0];
    const credential = bearerCredential(typeof auth === "string" ? auth : undefined);
    if (credential !== undefined) this.credential = credential;
  }

  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    const abort = () => controller.abort();
    this.controller = controller;
    this.onAbort = abort;
    if (this.call.cancelled || this.shutdown.aborted) abort();
    this.call.once("cancelled", abort);
    this.shutdown.addEventListener("abort", abort, { once: true });
    return controller.signal;
  }

  /** Called when the handler has settled; a shutdown after that no longer concerns this call. */
  done(): void {
    if (this.onAbort) this.shutdown.removeEventListener("abort", this.onAbort);
  }
}

/** What settling a unary call needs (module-level settle functions: no closures made per call). */
interface UnaryDone {
  cb: grpc.sendUnaryData<unknown>;
  ctx: LazyCallContext;
  finished: () => void;
  log: Logger;
  method: string;
}

function reply(d: UnaryDone, res: unknown): void {
  d.cb(null, res);
  d.ctx.done();
  d.finished();
}

function fail(d: UnaryDone, err: unknown): void {
  d.cb(toGrpcStatus(err, d.log, d.method));
  d.ctx.done();
  d.finished();
}

/**
 * Registers a generated service on a grpc-js server. Every failure goes
 * through one mapping (status.ts), so nothing reaches the wire as UNKNOWN.
 */
export function addGrpcService<S extends GenServiceMethods>(
  server: grpc.Server,
  service: GenService<S>,
  impl: ServiceImpl<S>,
  deps: { log: Logger; shutdown: AbortSignal; calls: CallTracker; sendBudget?: SendBudget; codecs?: CodecCompiler },
): void {
  const desc = service as unknown as DescService;
  const codecs = deps.codecs ?? createCodecCompiler();
  const definition: Record<string, grpc.MethodDefinition<Buffer, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const m of desc.methods) {
    const fn = (impl as Record<string, unknown>)[m.localName] as (req: unknown, ctx: CallContext) => unknown;
    const method = `${desc.typeName}/${m.name}`;
    const def = serverMethod(m, codecs);
    definition[m.localName] = def;
    const decode = requestDecoder(m, codecs);
    if (m.methodKind === "unary") {
      handlers[m.localName] = (call: grpc.ServerUnaryCall<Buffer, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const done: UnaryDone = { cb, ctx: new LazyCallContext(call, deps.shutdown), finished: deps.calls.begin(), log: deps.log, method };
        let out: unknown;
        try {
          out = fn(decode(call.request), done.ctx);
        } catch (err) {
          fail(done, err);
          return;
        }
        // A handler that answered synchronously is replied to in this turn: no promise hop.
        if (isThenable(out)) out.then((res) => reply(done, res), (err: unknown) => fail(done, err));
        else reply(done, out);
      };
    } else if (m.methodKind === "server_streaming") {
      handlers[m.localName] = (call: grpc.ServerWritableStream<Buffer, unknown>) => {
        const ctx = new LazyCallContext(call, deps.shutdown);
        const finished = deps.calls.begin();
        const out: StreamOutput = { call, size: (msg) => def.responseSerialize(msg).length, ...(deps.sendBudget && { budget: deps.sendBudget }) };
        pump(out, () => fn(decode(call.request), ctx) as AsyncIterable<unknown> & Partial<InterruptibleStream<unknown>>, ctx.signal)
          .then(() => {
            // A stream cut short by shutdown must not look like a normal end: the watcher should reconnect.
            if (deps.shutdown.aborted && !call.cancelled) throw new RoomgateError("server_shutting_down");
          })
          .then(() => call.end(), (err: unknown) => call.emit("error", toGrpcStatus(err, deps.log, method)))
          .finally(() => {
            ctx.done();
            finished();
          });
      };
    } else {
      throw new TypeError(`${method}: ${m.methodKind} methods are not supported`);
    }
  }
  server.addService(definition as grpc.ServiceDefinition, handlers);
}

/** Where a stream's messages go, and how their unsent bytes are counted. */
interface StreamOutput {
  call: grpc.ServerWritableStream<Buffer, unknown>;
  /** Encoded size of a message (encoded once; grpc-js reuses the bytes). */
  size(msg: unknown): number;
  budget?: SendBudget;
}

/**
 * Writes a stream's messages one at a time: the next is taken from the handler only once
 * HTTP/2 has taken the previous one, so a client that does not read holds one message in
 * the transport and the rest wait (bounded, coalesced) in the handler. While waiting,
 * `interrupted` lets the handler end the stream at once, not only when the client reads.
 */
async function pump(out: StreamOutput, open: () => AsyncIterable<unknown> & Partial<InterruptibleStream<unknown>>, signal: AbortSignal): Promise<void> {
  const stream = open();
  const it = stream[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) {
        finished = true;
        return;
      }
      if (signal.aborted) return;
      // Interrupted between producing the message and now: the handler withdraws it (and ends the stream).
      if (stream.interrupted?.aborted) continue;
      await written(out, r.value, [signal, stream.interrupted]);
      if (signal.aborted) return;
    }
  } catch (err) {
    finished = true;
    throw err;
  } finally {
    // A stream left at a yield (the call went away) runs its cleanup now.
    if (!finished) await it.return?.();
  }
}

// Resolves when HTTP/2 has taken the message, or when any of the signals fires first. The message's
// bytes count against the budget until HTTP/2 has sent them or the call is gone, whichever is first.
function written(out: StreamOutput, msg: unknown, signals: Array<AbortSignal | undefined>): Promise<void> {
  const { call } = out;
  const release = out.budget?.hold(out.size(msg));
  const sent = (): void => {
    release?.();
    call.off("cancelled", sent);
  };
  if (release) call.once("cancelled", sent);
  return new Promise((resolve) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    const done = (): void => {
      for (const s of live) s.removeEventListener("abort", done);
      resolve();
    };
    for (const s of live) s.addEventListener("abort", done, { once: true });
    call.write(msg, () => {
      sent();
      done();
    });
    if (live.some((s) => s.aborted)) done();
  });
}
