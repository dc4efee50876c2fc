import type { MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { roomgateClientOn, type RoomgateClient } from "../../src/client/client.js";
import { RoomgateError } from "../../src/client/errors.js";
import { grpcTransport } from "../../src/client/grpc-transport.js";
import type { StreamCall } from "../../src/client/transport.js";
import type {
  GetParticipantResponse, JoinRoomResponse, ListParticipantsResponse, RefreshTokenResponse,
  RemoveParticipantResponse, UpdateParticipantRequestSchema, UpdateParticipantResponse, WatchParticipantResponse,
} from "../../gen/roomgate/v1/participant_service_pb.js";
import type { VerifyTokenRequestSchema, VerifyTokenResponse } from "../../gen/roomgate/v1/token_service_pb.js";

/** How long a test waits for a pushed event before calling it missing. */
export const EVENT_TIMEOUT_MS = 3000;

/** The roomgate/client over an existing grpc-js channel (tests keep their channels; closing the client leaves them open), without retries. */
export function clientOver(channel: grpc.Client): RoomgateClient {
  return roomgateClientOn(grpcTransport(channel.getChannel().getTarget().replace(/^dns:/, ""), channel), { retry: false });
}

/** Typed ParticipantService and VerifyToken calls over gRPC (through roomgate/client), each with an optional bearer credential. */
export function participantCalls(participants: grpc.Client, tokens: grpc.Client) {
  const p = clientOver(participants).participants;
  const t = clientOver(tokens).tokens;
  const as = (credential?: string) => (credential === undefined ? {} : { token: credential });
  return {
    join: (token: string): Promise<JoinRoomResponse> => p.joinRoom({ token }),
    update: (req: MessageInitShape<typeof UpdateParticipantRequestSchema>, credential?: string): Promise<UpdateParticipantResponse> =>
      p.updateParticipant(req, as(credential)),
    get: (room: string, identity: string, credential?: string): Promise<GetParticipantResponse> =>
      p.getParticipant({ room, identity }, as(credential)),
    list: (room: string, credential?: string): Promise<ListParticipantsResponse> => p.listParticipants({ room }, as(credential)),
    remove: (room: string, identity: string, revokeTokens: boolean, credential?: string): Promise<RemoveParticipantResponse> =>
      p.removeParticipant({ room, identity, revokeTokens }, as(credential)),
    refresh: (token: string): Promise<RefreshTokenResponse> => p.refreshToken({ token }),
    watch: (room: string, identity: string, credential?: string): WatchReader =>
      streamReader(p.watchParticipant({ room, identity }, as(credential))),
    verify: (req: MessageInitShape<typeof VerifyTokenRequestSchema>): Promise<VerifyTokenResponse> => t.verifyToken(req),
  };
}

/** What a failed gRPC call reported: status code, `roomgate-reason` and `roomgate-field` trailers. */
export interface GrpcOutcome {
  code: grpc.status;
  reason?: string;
  field?: string;
}

/** The outcome of a gRPC call: OK, or its status and trailers. Anything that is not a gRPC status fails the test. */
export async function grpcOutcome(call: Promise<unknown>): Promise<GrpcOutcome> {
  try {
    await call;
    return { code: grpc.status.OK };
  } catch (err) {
    return statusOf(err);
  }
}

function statusOf(err: unknown): GrpcOutcome {
  if (err instanceof RoomgateError) {
    const out: GrpcOutcome = { code: err.code as number as grpc.status, reason: err.reason };
    if (err.field !== undefined) out.field = err.field;
    return out;
  }
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e.code !== "number" || !(e.metadata instanceof grpc.Metadata)) throw err;
  const out: GrpcOutcome = { code: e.code };
  const reason = e.metadata.get("roomgate-reason")[0];
  const field = e.metadata.get("roomgate-field")[0];
  if (typeof reason === "string") out.reason = reason;
  if (typeof field === "string") out.field = field;
  return out;
}

/** A Twirp reply: HTTP status and the parsed JSON body. */
export interface TwirpReply {
  status: number;
  // Twirp bodies are plain JSON whose shape the assertions check.
  json: any;
}

/** POSTs a protobuf-JSON body to `<twirpUrl>/<service>/<method>` with an optional bearer credential. */
export async function twirpCall(twirpUrl: string, service: string, method: string, body: unknown, credential?: string): Promise<TwirpReply> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
  const res = await fetch(`${twirpUrl}/${service}/${method}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** The Twirp shape of a failure, or `{ status: 200 }` for success, for one-line assertions. */
export function twirpOutcome(r: TwirpReply): { status: number; code?: string; reason?: string; argument?: string } {
  if (r.status === 200) return { status: 200 };
  const out: { status: number; code?: string; reason?: string; argument?: string } = { status: r.status, code: r.json.code, reason: r.json.meta?.reason };
  if (r.json.meta?.argument !== undefined) out.argument = r.json.meta.argument;
  return out;
}

/** Reads a WatchParticipant stream one event at a time, with a bounded wait. */
export interface WatchReader {
  /** The next event; rejects with the stream's error, or when none arrives within the timeout. */
  next(timeoutMs?: number): Promise<WatchParticipantResponse>;
  /** How the stream ended: OK for a clean end, else its status (waits up to the timeout). */
  ended(timeoutMs?: number): Promise<GrpcOutcome>;
  /** Cancels the call. */
  cancel(): void;
}

/** Reads a roomgate/client watch stream one event at a time; a cancel by the test ends it CANCELLED. */
export function streamReader(stream: StreamCall<WatchParticipantResponse>): WatchReader {
  const queue: WatchParticipantResponse[] = [];
  let end: GrpcOutcome | undefined;
  let endError: unknown;
  let wake: (() => void) | undefined;
  const signal = () => wake?.();
  void (async () => {
    try {
      for await (const m of stream) {
        queue.push(m);
        signal();
      }
      end ??= { code: grpc.status.OK };
    } catch (err) {
      endError = err;
      end = statusOf(err);
    }
    signal();
  })();
  const waitForSignal = (timeoutMs: number, what: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = undefined;
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });
  return {
    async next(timeoutMs = EVENT_TIMEOUT_MS) {
      for (;;) {
        const m = queue.shift();
        if (m) return m;
        if (end) throw endError ?? new Error("stream ended without an event");
        await waitForSignal(timeoutMs, "stream event");
      }
    },
    async ended(timeoutMs = EVENT_TIMEOUT_MS) {
      while (!end) await waitForSignal(timeoutMs, "stream end");
      return end;
    },
    cancel: () => {
      end ??= { code: grpc.status.CANCELLED };
      stream.cancel();
    },
  };
}

/**
 * Reads the rest of a roomgate/client stream that the test has left unread (a stalled watcher) into `into`,
 * and resolves with how it ended: OK, or its status and trailers.
 */
export function readToEnd<T>(stream: AsyncIterator<T>, into: T[]): Promise<GrpcOutcome> {
  return grpcOutcome((async () => {
    for (let r = await stream.next(); !r.done; r = await stream.next()) into.push(r.value);
  })());
}
