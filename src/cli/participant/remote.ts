import { create } from "@bufbuild/protobuf";
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { RoomgateClient } from "../../client/client.js";
import { Code, RoomgateError } from "../../client/errors.js";
import { kindName, permissionFromProto, permissionToProto } from "../../services/claims-convert.js";
import { ParticipantPermissionSchema } from "../../../gen/roomgate/v1/grants_pb.js";
import { EventCause, ParticipantState, type Participant, type WatchParticipantResponse } from "../../../gen/roomgate/v1/participant_service_pb.js";
import type { ParticipantView, RemoteParticipantService, WatchEvent } from "../context.js";

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
  if (!p) throw new RoomgateError(Code.INTERNAL, "bad_response", "roomgate sent a response without a participant");
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

/** The participant commands over roomgate/client, every call carrying `credential` as its bearer token. */
export function remoteParticipantService(client: RoomgateClient, credential: string): RemoteParticipantService {
  const p = client.participants;
  const opts = { token: credential };
  return {
    async list(room) {
      return (await p.listParticipants({ room }, opts)).participants.map(view);
    },
    async join(token) {
      const res = await p.joinRoom({ token });
      return { participant: view(res.participant), token: res.token, ...(res.expiresAt && { expiresAt: Number(res.expiresAt.seconds) }) };
    },
    async get(room, identity) {
      return view((await p.getParticipant({ room, identity }, opts)).participant);
    },
    async update(req) {
      const res = await p.updateParticipant({
        room: req.room,
        identity: req.identity,
        name: req.name,
        metadata: req.metadata,
        attributes: req.attributes,
        ...(req.permission && { permission: permissionToProto(req.permission) }),
      }, opts);
      return view(res.participant);
    },
    async remove(room, identity, revokeTokens) {
      await p.removeParticipant({ room, identity, revokeTokens }, opts);
    },
    watch(room, identity, onEvent) {
      // No deadline: the stream is meant to stay open until removal or the user stops it.
      const stream = p.watchParticipant({ room, identity }, opts);
      const done = (async () => {
        for await (const res of stream) onEvent(event(res));
      })();
      return { done, cancel: () => stream.cancel() };
    },
    close: () => client.close(),
  };
}
