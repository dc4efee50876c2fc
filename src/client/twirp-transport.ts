import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, printable, reasonOr, RoomgateError, twirpCodeToGrpc } from "./errors.js";
import type { Transport } from "./transport.js";

type Msg = MessageShape<DescMessage>;

// Twirp's HTTP statuses for answers that carry no Twirp body (a proxy's 502, say).
function codeOfStatus(status: number): Code {
  if (status === 401) return Code.UNAUTHENTICATED;
  if (status === 403) return Code.PERMISSION_DENIED;
  if (status === 404) return Code.UNIMPLEMENTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return Code.UNAVAILABLE;
  return Code.UNKNOWN;
}

async function twirpFailure(res: Response, url: string): Promise<RoomgateError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const b = (typeof body === "object" && body !== null ? body : {}) as { code?: unknown; msg?: unknown; meta?: { reason?: unknown; argument?: unknown } };
  if (typeof b.code !== "string") {
    const code = codeOfStatus(res.status);
    return new RoomgateError(code, reasonOr(undefined, code), `${url} answered HTTP ${res.status}, not a Twirp error`);
  }
  const code = twirpCodeToGrpc(b.code);
  const reason = reasonOr(b.meta?.reason, code);
  const msg = typeof b.msg === "string" ? printable(b.msg) : "";
  const field = typeof b.meta?.argument === "string" ? b.meta.argument : undefined;
  return new RoomgateError(code, reason, msg || reason, field);
}

/** The Twirp base of an address: `http://host:port` (a trailing `/twirp` or `/` is dropped). */
export function twirpBase(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/twirp$/, "");
}

/** Twirp over HTTP/1.1 (`application/protobuf`) with fetch; it has no server streams. */
export function twirpTransport(url: string): Transport {
  const base = twirpBase(url);
  return {
    address: base,
    async unary(method, req, setup) {
      const signals: AbortSignal[] = [];
      if (setup.signal) signals.push(setup.signal);
      if (setup.deadline !== undefined) signals.push(AbortSignal.timeout(Math.max(0, setup.deadline - Date.now())));
      const headers: Record<string, string> = { "content-type": "application/protobuf" };
      if (setup.bearer) headers.authorization = `Bearer ${setup.bearer}`;
      let res: Response;
      try {
        res = await fetch(`${base}/twirp/${method.parent.typeName}/${method.name}`, {
          method: "POST",
          headers,
          body: toBinary(method.input, req),
          ...(signals.length > 0 && { signal: AbortSignal.any(signals) }),
        });
      } catch (err) {
        if (setup.signal?.aborted) throw new RoomgateError(Code.CANCELLED, "cancelled", "call cancelled");
        if ((err as Error).name === "TimeoutError") throw new RoomgateError(Code.DEADLINE_EXCEEDED, "deadline_exceeded", `roomgate at ${base} did not answer in time`);
        throw new RoomgateError(Code.UNAVAILABLE, "unavailable", `cannot reach roomgate at ${base} over HTTP/1.1 (is it the gRPC port?)`);
      }
      if (!res.ok) throw await twirpFailure(res, base);
      return fromBinary(method.output, new Uint8Array(await res.arrayBuffer())) as Msg;
    },
    stream(method) {
      const fail = () => {
        throw new RoomgateError(Code.UNIMPLEMENTED, "unimplemented", `${method.name} is a stream, which Twirp cannot carry: use roomgate's gRPC address`);
      };
      return {
        cancel: () => {},
        [Symbol.asyncIterator]: () => ({ next: async () => fail() }),
      };
    },
    close() {},
  };
}
