import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type DescMethod, type MessageShape } from "@bufbuild/protobuf";
import { speaksHttp1 } from "./http1-probe.js";
import { Code, printable, reasonOr, RoomgateError } from "./errors.js";
import type { CallSetup, StreamCall, Transport } from "./transport.js";
import { asBuffer } from "../transport/bytes.js";

type Msg = MessageShape<DescMessage>;

const REASON_KEY = "roomgate-reason";
const FIELD_KEY = "roomgate-field";
// Events a slow reader leaves unread before the stream stops pulling from the socket (HTTP/2 flow control takes over).
const HIGH_WATER = 16;


function metadataFor(setup: CallSetup): grpc.Metadata {
  const md = new grpc.Metadata();
  if (setup.bearer) md.set("authorization", `Bearer ${setup.bearer}`);
  return md;
}

function optionsFor(setup: CallSetup): grpc.CallOptions {
  return setup.deadline === undefined ? {} : { deadline: setup.deadline };
}

/** Translates a grpc-js failure into a RoomgateError; `address` names the server in messages of calls that never reached it. */
export function grpcFailure(err: unknown, address: string): RoomgateError {
  if (err instanceof RoomgateError) return err;
  const e = err as Partial<grpc.ServiceError> | undefined;
  if (typeof e?.code !== "number") return new RoomgateError(Code.INTERNAL, "internal", `roomgate client: ${err instanceof Error ? err.message : String(err)}`);
  const code = e.code as Code;
  const reasonValue = e.metadata?.get(REASON_KEY)[0];
  const fieldValue = e.metadata?.get(FIELD_KEY)[0];
  const reason = reasonOr(reasonValue, code);
  const field = typeof fieldValue === "string" ? fieldValue : undefined;
  if (typeof reasonValue === "string" && reason === reasonValue) return new RoomgateError(code, reason, printable(e.details ?? "") || reason, field);
  const details = e.details ?? "";
  if (code === Code.UNAVAILABLE) return new RoomgateError(code, reason, `cannot reach roomgate at ${address}`);
  if (code === Code.DEADLINE_EXCEEDED) return new RoomgateError(code, reason, `roomgate at ${address} did not answer in time`);
  if (code === Code.CANCELLED) return new RoomgateError(code, reason, "call cancelled");
  return new RoomgateError(code, reason, `roomgate at ${address} failed: ${printable(details) || reason}`);
}

/** Like grpcFailure, but a "Protocol error" from a port that answers HTTP/1.1 (roomgate's Twirp port, most likely) says so. */
async function grpcFailureProbed(err: unknown, address: string): Promise<RoomgateError> {
  const e = grpcFailure(err, address);
  const details = (err as Partial<grpc.ServiceError>).details ?? "";
  if (e.code === Code.UNAVAILABLE && e.reason === "unavailable" && /protocol error/i.test(details) && (await speaksHttp1(address))) {
    return new RoomgateError(e.code, "wrong_protocol", `${address} speaks HTTP/1.1: use http://${address} or the gRPC port`);
  }
  return e;
}

/** gRPC over plaintext HTTP/2 with grpc-js; with `client`, calls go through that channel and `close` leaves it open. */
export function grpcTransport(address: string, client?: grpc.Client): Transport {
  const own = client === undefined;
  const channel = client ?? new grpc.Client(address, grpc.credentials.createInsecure());
  const path = (m: DescMethod) => `/${m.parent.typeName}/${m.name}`;
  return {
    address,
    unary(method, req, setup) {
      return new Promise<Msg>((resolve, reject) => {
        if (setup.signal?.aborted) {
          reject(new RoomgateError(Code.CANCELLED, "cancelled", "call cancelled"));
          return;
        }
        const onAbort = () => call.cancel();
        const call = channel.makeUnaryRequest<Msg, Msg>(
          path(method),
          (msg) => asBuffer(toBinary(method.input, msg)),
          (b) => fromBinary(method.output, b),
          req, metadataFor(setup), optionsFor(setup),
          (err, res) => {
            setup.signal?.removeEventListener("abort", onAbort);
            if (err) grpcFailureProbed(err, address).then(reject);
            else resolve(res!);
          },
        );
        setup.signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
    stream(method, req, setup) {
      return grpcStream(channel, path(method), method, req, setup, address);
    },
    close() {
      if (own) channel.close();
    },
  };
}

function grpcStream(channel: grpc.Client, path: string, method: DescMethod, req: Msg, setup: CallSetup, address: string): StreamCall<Msg> {
  let started: grpc.ClientReadableStream<Msg> | undefined;
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    started?.cancel();
  };
  return {
    cancel,
    async *[Symbol.asyncIterator]() {
      if (cancelled) return;
      if (setup.signal?.aborted) throw new RoomgateError(Code.CANCELLED, "cancelled", "call cancelled");
      const call = channel.makeServerStreamRequest<Msg, Msg>(
        path,
        (msg) => asBuffer(toBinary(method.input, msg)),
        (b) => fromBinary(method.output, b),
        req, metadataFor(setup), optionsFor(setup),
      );
      started = call;
      const queue: Msg[] = [];
      let failure: unknown;
      let ended = false;
      let wake: (() => void) | undefined;
      const signal = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const onAbort = () => call.cancel();
      setup.signal?.addEventListener("abort", onAbort, { once: true });
      call.on("data", (m: Msg) => {
        queue.push(m);
        if (queue.length >= HIGH_WATER) call.pause();
        signal();
      });
      call.on("error", (err: unknown) => {
        failure = err;
        ended = true;
        signal();
      });
      call.on("end", () => {
        ended = true;
        signal();
      });
      try {
        for (;;) {
          const m = queue.shift();
          if (m) {
            if (queue.length < HIGH_WATER / 2 && call.isPaused()) call.resume();
            yield m;
            continue;
          }
          if (ended) break;
          await new Promise<void>((resolve) => (wake = resolve));
        }
        if (failure !== undefined) {
          const e = await grpcFailureProbed(failure, address);
          // Our own cancel (break, cancel()) ends the iteration quietly; an abort signal is reported.
          if (!(e.code === Code.CANCELLED && cancelled && !setup.signal?.aborted)) throw e;
        }
      } finally {
        setup.signal?.removeEventListener("abort", onAbort);
        if (!ended) {
          cancelled = true;
          call.cancel();
        }
      }
    },
  };
}
