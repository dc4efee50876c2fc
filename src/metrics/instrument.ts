import type { DescService } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { asRoomgateError } from "../core/errors.js";
import type { Logger } from "../log.js";
import type { CallContext } from "../transport/call-context.js";
import type { ServiceImpl } from "../transport/grpc-adapter.js";
import type { CallMeter, Metrics, TransportName } from "./metrics.js";
import { isThenable } from "../transport/maybe-async.js";

/** What instrumentation does with each call: count it (metrics on), log it at debug level (debug on). */
export interface InstrumentOptions {
  transport: TransportName;
  metrics?: Metrics;
  /** Given only when debug lines are wanted: one line per call with method, code, reason and duration. */
  debugLog?: Logger;
}

type Finish = (code: string, reason: string, startMs: number) => void;

function finisher(method: string, o: InstrumentOptions): Finish {
  const meter: CallMeter | undefined = o.metrics?.meter(o.transport, method);
  const log = o.debugLog;
  return (code, reason, startMs) => {
    const seconds = (performance.now() - startMs) / 1000;
    meter?.done(code, reason, seconds);
    log?.debug("request", { transport: o.transport, method, code, reason, duration_ms: Math.round(seconds * 1e6) / 1000 });
  };
}

const failed = (finish: Finish, startMs: number, err: unknown): never => {
  const e = asRoomgateError(err);
  finish(e.code, e.reason, startMs);
  throw err;
};

async function* metered<T>(inner: AsyncIterable<T>, finish: Finish, metrics: Metrics | undefined): AsyncGenerator<T> {
  const start = performance.now();
  let settled = false;
  metrics?.watchStreams(1);
  try {
    yield* inner;
    settled = true;
    finish("OK", "", start);
  } catch (err) {
    settled = true;
    failed(finish, start, err);
  } finally {
    metrics?.watchStreams(-1);
    // Left early by the transport: the caller went away.
    if (!settled) finish("CANCELLED", "", start);
  }
}


/**
 * Wraps a service implementation so every call is counted and timed
 * (roomgate_rpc_requests_total, roomgate_rpc_duration_seconds) and, at debug
 * level, logged; server streams also move roomgate_watch_streams. Calls that
 * fail before reaching the implementation (an undecodable body) are not seen here.
 */
export function instrumentService<S extends GenServiceMethods>(service: GenService<S>, impl: Partial<ServiceImpl<S>>, o: InstrumentOptions): ServiceImpl<S> {
  const desc = service as unknown as DescService;
  const out: Record<string, unknown> = {};
  for (const m of desc.methods) {
    const fn = (impl as Record<string, unknown>)[m.localName] as ((req: unknown, ctx: CallContext) => unknown) | undefined;
    if (typeof fn !== "function") continue;
    const finish = finisher(`${desc.typeName}/${m.name}`, o);
    if (m.methodKind === "server_streaming") {
      out[m.localName] = (req: unknown, ctx: CallContext) => {
        const inner = fn(req, ctx) as AsyncIterable<unknown> & { interrupted?: AbortSignal };
        const wrapped = metered(inner, finish, o.metrics);
        // The transport listens to `interrupted` to end a stalled stream at once (a revoked watcher): keep it visible.
        return inner.interrupted ? Object.assign(wrapped, { interrupted: inner.interrupted }) : wrapped;
      };
    } else {
      out[m.localName] = (req: unknown, ctx: CallContext) => {
        const start = performance.now();
        let res: unknown;
        try {
          res = fn(req, ctx);
        } catch (err) {
          return failed(finish, start, err);
        }
        // A handler that answers synchronously stays synchronous: the transports then skip a promise turn.
        if (!isThenable(res)) {
          finish("OK", "", start);
          return res;
        }
        return res.then(
          (out) => {
            finish("OK", "", start);
            return out;
          },
          (err: unknown) => failed(finish, start, err),
        );
      };
    }
  }
  return out as ServiceImpl<S>;
}
