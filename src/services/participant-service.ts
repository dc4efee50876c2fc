import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { RoomgateError, tokenError } from "../core/errors.js";
import { toPermission } from "../core/grants.js";
import type { ParticipantEvent, EventCause as DomainCause } from "../participants/events.js";
import type { ParticipantRecord } from "../participants/model.js";
import { refreshKind } from "../participants/refresh.js";
import type { ParticipantRegistry } from "../participants/registry.js";
import {
  EventCause, GetParticipantResponseSchema, JoinRoomResponseSchema, ListParticipantsResponseSchema, ParticipantSchema,
  ParticipantState, RefreshTokenResponseSchema, RemoveParticipantResponseSchema, UpdateParticipantResponseSchema,
  WatchParticipantResponseSchema, type Participant, type ParticipantService, type WatchParticipantResponse,
} from "../../gen/roomgate/v1/participant_service_pb.js";
import type { CallContext } from "../transport/call-context.js";
import type { ImplOf } from "../transport/grpc-adapter.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../core/clock.js";
import { auditedJoin, auditedRemove, auditedUpdate, authorizeAdminAudited } from "./audited-participants.js";
import { authorizeRoomAdmin, authorizeWatcher } from "./authorization.js";
import { kindEnum, permissionFromProto, permissionToProto, timestampFromSeconds } from "./claims-convert.js";
import type { TokenVerifier } from "./token-verifier.js";

/** Dependencies of the participant service. */
export interface ParticipantServiceDeps {
  registry: ParticipantRegistry;
  verifier: TokenVerifier;
  /** Records joins, updates, removals and refused callers (contract §11); default: not recorded. */
  audit?: AuditLog;
  /** Fixes revocation watermarks for the audit line. */
  clock?: Clock;
}

const CAUSE: Record<DomainCause, EventCause> = {
  joined: EventCause.JOINED,
  updated: EventCause.UPDATED,
  refreshed: EventCause.REFRESHED,
  removed: EventCause.REMOVED,
};

/** The proto form of a participant record. */
export function participantToProto(r: ParticipantRecord): Participant {
  return create(ParticipantSchema, {
    room: r.room,
    identity: r.identity,
    name: r.name,
    metadata: r.metadata,
    attributes: r.attributes,
    // Refreshed tokens say "standard" for a participant whose token named no or an unknown kind (LiveKit), so the record agrees.
    kind: kindEnum(refreshKind(r.kind)),
    permission: permissionToProto(toPermission(r.video)),
    state: r.state === "active" ? ParticipantState.ACTIVE : ParticipantState.REMOVED,
    joinedAt: timestampFromMs(r.joinedAtMs),
    updatedAt: timestampFromMs(r.updatedAtMs),
    version: BigInt(r.version),
  });
}

function watchResponse(e: ParticipantEvent): WatchParticipantResponse {
  return create(WatchParticipantResponseSchema, {
    participant: participantToProto(e.participant),
    cause: CAUSE[e.cause],
    ...(e.token && { token: e.token.token, expiresAt: timestampFromSeconds(e.token.expiresAt) }),
  });
}

/** Events a watch stream holds for a slow reader; each pushed token supersedes the ones before it, so only stale ones are lost. */
export const MAX_QUEUED_EVENTS = 32;

/**
 * Turns registry events into a stream that ends after `removed` or when the
 * call goes away. Events queue while the transport waits for flow control;
 * the queue keeps the newest MAX_QUEUED_EVENTS. Nothing is queued after
 * `removed`, so it stays last and is never trimmed away: a stalled stream
 * opened in one session never carries the next session's tokens.
 */
async function* watchStream(registry: ParticipantRegistry, room: string, identity: string, signal: AbortSignal): AsyncGenerator<WatchParticipantResponse> {
  const queue: ParticipantEvent[] = [];
  let wake: (() => void) | undefined;
  let removed = false;
  const stop = await registry.watch(room, identity, (e) => {
    if (removed) return;
    removed = e.cause === "removed";
    queue.push(e);
    if (queue.length > MAX_QUEUED_EVENTS) queue.splice(0, queue.length - MAX_QUEUED_EVENTS);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      for (let e = queue.shift(); e; e = queue.shift()) {
        yield watchResponse(e);
        if (e.cause === "removed") return;
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    stop();
    signal.removeEventListener("abort", onAbort);
  }
}

/** Creates the roomgate.v1.ParticipantService implementation. */
export function createParticipantService(deps: ParticipantServiceDeps): ImplOf<typeof ParticipantService> {
  const { registry, verifier } = deps;
  const admin = (ctx: CallContext, room: string) => authorizeRoomAdmin(verifier, ctx, room);

  return {
    async joinRoom(req) {
      if (!req.token) throw tokenError("token_malformed");
      const { participant, token } = await auditedJoin(deps, req.token);
      return create(JoinRoomResponseSchema, {
        participant: participantToProto(participant),
        token: token.token,
        expiresAt: timestampFromSeconds(token.expiresAt),
      });
    },

    async updateParticipant(req, ctx) {
      const caller = await authorizeAdminAudited(deps, ctx, req.room, req.identity, "participant.update");
      const participant = await auditedUpdate(deps, caller, req.room, req.identity, {
        name: req.name,
        metadata: req.metadata,
        attributes: req.attributes,
        ...(req.permission && { permission: permissionFromProto(req.permission) }),
      });
      return create(UpdateParticipantResponseSchema, { participant: participantToProto(participant) });
    },

    async getParticipant(req, ctx) {
      await admin(ctx, req.room);
      return create(GetParticipantResponseSchema, { participant: participantToProto(await registry.get(req.room, req.identity)) });
    },

    async listParticipants(req, ctx) {
      await admin(ctx, req.room);
      const list = await registry.list(req.room);
      return create(ListParticipantsResponseSchema, { participants: list.map(participantToProto) });
    },

    async removeParticipant(req, ctx) {
      const caller = await authorizeAdminAudited(deps, ctx, req.room, req.identity, "participant.remove");
      await auditedRemove(deps, caller, req.room, req.identity, req.revokeTokens);
      return create(RemoveParticipantResponseSchema);
    },

    async *watchParticipant(req, ctx) {
      await authorizeWatcher(verifier, ctx, req.room, req.identity);
      yield* watchStream(registry, req.room, req.identity, ctx.signal);
    },

    async refreshToken(req) {
      if (!req.token) throw tokenError("token_malformed");
      const t = (await verifier.verify(req.token)).token;
      const room = t.grants.video?.room;
      // A token that names no room or identity cannot belong to a registered participant.
      if (!room || !t.identity) throw new RoomgateError("participant_not_found");
      const { token } = await registry.refresh(room, t.identity);
      return create(RefreshTokenResponseSchema, { token: token.token, expiresAt: timestampFromSeconds(token.expiresAt) });
    },
  };
}
