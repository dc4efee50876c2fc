import { create, type DescMessage, type DescMethod, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import {
  ParticipantService,
  type GetParticipantRequestSchema, type GetParticipantResponse, type JoinRoomRequestSchema, type JoinRoomResponse,
  type ListParticipantsRequestSchema, type ListParticipantsResponse, type RefreshTokenRequestSchema, type RefreshTokenResponse,
  type RemoveParticipantRequestSchema, type RemoveParticipantResponse, type UpdateParticipantRequestSchema,
  type UpdateParticipantResponse, type WatchParticipantRequestSchema, type WatchParticipantResponse,
} from "../../gen/roomgate/v1/participant_service_pb.js";
import {
  TokenService,
  type CreateTokenRequestSchema, type CreateTokenResponse, type Grant, type VerifyTokenRequestSchema, type VerifyTokenResponse,
} from "../../gen/roomgate/v1/token_service_pb.js";
import { Code, RoomgateError } from "./errors.js";
import { grpcTransport } from "./grpc-transport.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry.js";
import type { StreamCall, Transport } from "./transport.js";
import { twirpTransport } from "./twirp-transport.js";

/** Options of `createRoomgateClient`. */
export interface RoomgateClientOptions {
  /** `HOST:PORT` of roomgate's gRPC port, or `http(s)://HOST:PORT` of its Twirp (HTTP) port; Twirp cannot watch. */
  address: string;
  /** Client credential for CreateToken (sent as a bearer). */
  credential?: string;
  /** LiveKit-style API token for the participant admin calls (roomAdmin for the room) and WatchParticipant. */
  token?: string;
  /** Deadline of each unary call, retries included (default 10 s); streams have none unless a call sets one. */
  deadlineMs?: number;
  /** How UNAVAILABLE is retried for idempotent methods; `false` never retries. */
  retry?: Partial<RetryPolicy> | false;
}

/** Per-call options; they override the client's. */
export interface CallOptions {
  /** Bearer token for this call (participant admin calls, WatchParticipant). */
  token?: string;
  /** Client credential for this call (CreateToken). */
  credential?: string;
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Retry UNAVAILABLE for this call: on by default for idempotent methods only; `true` opts a write in. */
  retry?: boolean;
}

/** Options of `check`: the room the grants must be for and the grants required, plus per-call options. */
export interface CheckOptions extends CallOptions {
  room?: string;
  require?: Grant[];
}

/** TokenService: mint and verify. */
export interface TokensClient {
  /** Mints a token; needs a client credential. Never retried unless `retry: true`. */
  createToken(req: MessageInitShape<typeof CreateTokenRequestSchema>, opts?: CallOptions): Promise<CreateTokenResponse>;
  /** Verifies a token (and the required grants); needs no credential. */
  verifyToken(req: MessageInitShape<typeof VerifyTokenRequestSchema>, opts?: CallOptions): Promise<VerifyTokenResponse>;
}

/** ParticipantService: the participant registry and refreshed tokens. */
export interface ParticipantsClient {
  /** Registers a participant with its own join token (what a media server calls on connect). */
  joinRoom(req: MessageInitShape<typeof JoinRoomRequestSchema>, opts?: CallOptions): Promise<JoinRoomResponse>;
  /** Changes a participant (admin token for the room). */
  updateParticipant(req: MessageInitShape<typeof UpdateParticipantRequestSchema>, opts?: CallOptions): Promise<UpdateParticipantResponse>;
  getParticipant(req: MessageInitShape<typeof GetParticipantRequestSchema>, opts?: CallOptions): Promise<GetParticipantResponse>;
  listParticipants(req: MessageInitShape<typeof ListParticipantsRequestSchema>, opts?: CallOptions): Promise<ListParticipantsResponse>;
  /** Removes a participant, optionally revoking its tokens (admin token for the room). */
  removeParticipant(req: MessageInitShape<typeof RemoveParticipantRequestSchema>, opts?: CallOptions): Promise<RemoveParticipantResponse>;
  /** Trades a still-valid token of an active participant for a fresh one. */
  refreshToken(req: MessageInitShape<typeof RefreshTokenRequestSchema>, opts?: CallOptions): Promise<RefreshTokenResponse>;
  /** The participant's pushed tokens; `for await` it, `break` (or `cancel()`) ends the call cleanly. gRPC only. */
  watchParticipant(req: MessageInitShape<typeof WatchParticipantRequestSchema>, opts?: CallOptions): StreamCall<WatchParticipantResponse>;
}

/** A typed roomgate client; one client serves calls for any room (per-call `token`). */
export interface RoomgateClient {
  readonly address: string;
  readonly tokens: TokensClient;
  readonly participants: ParticipantsClient;
  /** VerifyToken for gateways: the verified token (claims, effective video grant, times), or a thrown RoomgateError. */
  check(token: string, opts?: CheckOptions): Promise<VerifyTokenResponse>;
  /** Closes the connection; open watch streams end. */
  close(): void;
}

const DEFAULT_DEADLINE_MS = 10_000;

type Bearer = "credential" | "token" | "none";

/** Builds the typed client over one transport (also used by roomgate's own tests over an existing channel). */
export function roomgateClientOn(transport: Transport, options: Omit<RoomgateClientOptions, "address"> = {}): RoomgateClient {
  const policy: RetryPolicy | undefined = options.retry === false ? undefined : { ...DEFAULT_RETRY, ...options.retry };
  const bearerOf = (kind: Bearer, opts: CallOptions): string | undefined =>
    kind === "credential" ? (opts.credential ?? options.credential) : kind === "token" ? (opts.token ?? options.token) : undefined;

  function unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethod & { input: I; output: O }, bearer: Bearer, idempotent: boolean,
  ): (req: MessageInitShape<I>, opts?: CallOptions) => Promise<MessageShape<O>> {
    return async (init, opts = {}) => {
      const req = create(method.input, init);
      const deadlineMs = opts.deadlineMs ?? options.deadlineMs ?? DEFAULT_DEADLINE_MS;
      const deadline = Date.now() + deadlineMs;
      const b = bearerOf(bearer, opts);
      const setup = { deadline, ...(b !== undefined && { bearer: b }), ...(opts.signal && { signal: opts.signal }) };
      const attempt = () => transport.unary(method, req, setup) as Promise<MessageShape<O>>;
      const retry = policy !== undefined && (opts.retry ?? idempotent);
      return retry ? withRetry(attempt, policy, deadline, opts.signal) : attempt();
    };
  }

  const tm = TokenService.method;
  const pm = ParticipantService.method;
  const tokens: TokensClient = {
    createToken: unary(tm.createToken, "credential", false),
    verifyToken: unary(tm.verifyToken, "none", true),
  };
  const participants: ParticipantsClient = {
    joinRoom: unary(pm.joinRoom, "none", false),
    updateParticipant: unary(pm.updateParticipant, "token", false),
    getParticipant: unary(pm.getParticipant, "token", true),
    listParticipants: unary(pm.listParticipants, "token", true),
    removeParticipant: unary(pm.removeParticipant, "token", false),
    refreshToken: unary(pm.refreshToken, "none", true),
    watchParticipant(init, opts = {}) {
      const b = bearerOf("token", opts);
      const setup = {
        ...(b !== undefined && { bearer: b }),
        ...(opts.deadlineMs !== undefined && { deadline: Date.now() + opts.deadlineMs }),
        ...(opts.signal && { signal: opts.signal }),
      };
      return transport.stream(pm.watchParticipant, create(pm.watchParticipant.input, init), setup) as StreamCall<WatchParticipantResponse>;
    },
  };
  return {
    address: transport.address,
    tokens,
    participants,
    check: (token, opts = {}) => {
      const { room, require, ...call } = opts;
      return tokens.verifyToken({ token, ...(room !== undefined && { room }), ...(require !== undefined && { require }) }, call);
    },
    close: () => transport.close(),
  };
}

/** Whether an address names the Twirp (HTTP) port. */
function isHttpAddress(address: string): boolean {
  return /^https?:\/\//i.test(address);
}

/**
 * Creates a typed roomgate client. It returns at once; the connection is
 * made on the first call. Failures throw `RoomgateError`.
 */
export function createRoomgateClient(options: RoomgateClientOptions): RoomgateClient {
  const { address, ...rest } = options;
  if (typeof address !== "string" || address.trim() === "") {
    throw new RoomgateError(Code.INVALID_ARGUMENT, "invalid_argument", "createRoomgateClient: address is required (HOST:PORT or http(s)://HOST:PORT)", "address");
  }
  const transport = isHttpAddress(address) ? twirpTransport(address) : grpcTransport(address);
  return roomgateClientOn(transport, rest);
}
