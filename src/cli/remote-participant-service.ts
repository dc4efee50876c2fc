import { create } from "@bufbuild/protobuf";
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import type { Clock } from "../core/clock.js";
import { kindName, permissionFromProto, permissionToProto } from "../services/claims-convert.js";
import { bearerMetadata, callServerStream, callUnary, grpcClientFor } from "../transport/grpc-adapter.js";
import { ParticipantPermissionSchema } from "../../gen/roomgate/v1/grants_pb.js";
import {
  EventCause, GetParticipantRequestSchema, JoinRoomRequestSchema, ListParticipantsRequestSchema, ParticipantService, ParticipantState,
  RemoveParticipantRequestSchema, UpdateParticipantRequestSchema, WatchParticipantRequestSchema,
  type Participant, type WatchParticipantResponse,
} from "../../gen/roomgate/v1/participant_service_pb.js";
import { RemoteCallError, type ParticipantView, type RemoteParticipantService, type WatchEvent } from "./context.js";
import { remoteCallError } from "./remote-error.js";

const DEADLINE_MS = 10_000;

const STATE: Record<ParticipantState, ParticipantView["state"]> = {
  [ParticipantState.UNSPECIFIED]: "unspecified",
  [ParticipantState.ACTIVE]: "active",
  [ParticipantState.REMOVED]: "removed",
};

const CAUSE: Record<EventCause, WatchEvent["cause"]> = {
  [EventCause.UNSPECIFIED]: "unspecified",
  [EventCause.JOINED]: "joined",
  [EventCause.UPDATED]: "updated",
  [EventCause.REFRESHED]: "refreshed",
  [EventCause.REMOVED]: "removed",
};

const ms = (t: Timestamp | undefined): number => (t ? Number(timestampMs(t)) : 0);

function view(p: Participant | undefined): ParticipantView {
  if (!p) throw new RemoteCallError(undefined, "roomgate sent a response without a participant");
  return {
    room: p.room,
    identity: p.identity,
    name: p.name,
    metadata: p.metadata,
    attributes: { ...p.attributes },
    kind: kindName(p.kind) ?? "",
    state: STATE[p.state] ?? "unspecified",
    version: Number(p.version),
    // An absent permission reads as protobuf's all-false message.
    permission: permissionFromProto(p.permission ?? create(ParticipantPermissionSchema)),
    joinedAtMs: ms(p.joinedAt),
    updatedAtMs: ms(p.updatedAt),
  };
}

function event(e: WatchParticipantResponse): WatchEvent {
  const out: WatchEvent = { cause: CAUSE[e.cause] ?? "unspecified", participant: view(e.participant), token: e.token };
  if (e.expiresAt) out.expiresAt = Number(e.expiresAt.seconds);
  return out;
}

/** Connects to a roomgate ParticipantService over plaintext gRPC; every call carries `credential` as a bearer token. */
export function connectParticipantService(address: string, credential: string, clock: Clock): RemoteParticipantService {
  const Client = grpcClientFor(ParticipantService);
  const client = new Client(address, grpc.credentials.createInsecure());
  const m = ParticipantService.method;
  const unary = <T>(call: (md: grpc.Metadata, opts: grpc.CallOptions) => Promise<T>): Promise<T> =>
    call(bearerMetadata(credential), { deadline: clock.nowMs() + DEADLINE_MS }).catch((err: unknown) => Promise.reject(remoteCallError(err, address)));

  return {
    async list(room) {
      const res = await unary((md, o) => callUnary(client, m.listParticipants, create(ListParticipantsRequestSchema, { room }), md, o));
      return res.participants.map(view);
    },
    async join(token) {
      const res = await unary((md, o) => callUnary(client, m.joinRoom, create(JoinRoomRequestSchema, { token }), md, o));
      return { participant: view(res.participant), token: res.token, ...(res.expiresAt && { expiresAt: Number(res.expiresAt.seconds) }) };
    },
    async get(room, identity) {
      const res = await unary((md, o) => callUnary(client, m.getParticipant, create(GetParticipantRequestSchema, { room, identity }), md, o));
      return view(res.participant);
    },
    async update(req) {
      const message = create(UpdateParticipantRequestSchema, {
        room: req.room,
        identity: req.identity,
        name: req.name,
        metadata: req.metadata,
        attributes: req.attributes,
        ...(req.permission && { permission: permissionToProto(req.permission) }),
      });
      const res = await unary((md, o) => callUnary(client, m.updateParticipant, message, md, o));
      return view(res.participant);
    },
    async remove(room, identity, revokeTokens) {
      const message = create(RemoveParticipantRequestSchema, { room, identity, revokeTokens });
      await unary((md, o) => callUnary(client, m.removeParticipant, message, md, o));
    },
    watch(room, identity, onEvent) {
      // No deadline: the stream is meant to stay open until removal or the user stops it.
      const stream = callServerStream(client, m.watchParticipant, create(WatchParticipantRequestSchema, { room, identity }), bearerMetadata(credential));
      let cancelled = false;
      const done = new Promise<void>((resolve, reject) => {
        stream.on("data", (res: WatchParticipantResponse) => {
          try {
            onEvent(event(res));
          } catch (err) {
            stream.cancel();
            reject(remoteCallError(err, address));
          }
        });
        stream.on("end", () => resolve());
        stream.on("error", (err: grpc.ServiceError) => {
          if (cancelled && err.code === grpc.status.CANCELLED) resolve();
          else reject(remoteCallError(err, address));
        });
      });
      return {
        done,
        cancel: () => {
          cancelled = true;
          stream.cancel();
        },
      };
    },
    close: () => client.close(),
  };
}
