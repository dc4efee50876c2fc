import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { grantMissing, RoomgateError, tokenError } from "../core/errors.js";
import { toPermission } from "../core/grants.js";
import type { EventCause as DomainCause } from "../participants/events.js";
import { sessionOutranksToken, type ParticipantRecord } from "../participants/model.js";
import { refreshKind } from "../participants/refresh.js";
import type { ParticipantRegistry } from "../participants/registry.js";
import { createWatchQueue } from "../participants/watch-queue.js";
import type { WatchEvent } from "../participants/watchers.js";
import {
  EventCause, GetParticipantResponseSchema, JoinRoomResponseSchema, ListParticipantsResponseSchema, ParticipantSchema,
  ParticipantState, RefreshTokenResponseSchema, RemoveParticipantResponseSchema, UpdateParticipantResponseSchema,
  WatchParticipantResponseSchema, type Participant, type ParticipantService, type WatchParticipantResponse,
} from "../../gen/roomgate/v1/participant_service_pb.js";
import type { CallContext, InterruptibleStream } from "../transport/call-context.js";
import type { ImplOf } from "../transport/grpc-adapter.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../core/clock.js";
import { auditedJoin, auditedRemove, auditedUpdate, authorizeAdminAudited } from "./audited-participants.js";
import { authorizeRoomAdmin, authorizeWatcher, isRoomAdmin, requireJoinGrant, requireWatchGrant } from "./authorization.js";
import { kindEnum, permissionFromProto, permissionToProto, timestampFromSeconds } from "./claims-convert.js";
import type { TokenVerifier } from "./token-verifier.js";
import type { ExpirySweep } from "./watch-expiry.js";

/** Dependencies of the participant service. */
export interface ParticipantServiceDeps {
  registry: ParticipantRegistry;
  verifier: TokenVerifier;
  /** Ends watch streams whose caller token expires (one sweep shared by all streams). */
  expiry: ExpirySweep;
  /** Events a watch stream holds for a client that does not read (`participants.watch_buffer`). */
  watchBuffer: number;
  /** Bytes handed to the transport and not yet sent; when exhausted, new watches are refused with `watch_limit`. */
  sendBudget?: { readonly exhausted: boolean };
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

/**
 * The response for a watch event, one object per event: every watcher of a version
 * gets the same object, so the transport encodes it once.
 */
function responseCache(): (e: WatchEvent) => WatchParticipantResponse {
  const responses = new WeakMap<WatchEvent, WatchParticipantResponse>();
  return (e) => {
    let res = responses.get(e);
    if (res) return res;
    res = create(WatchParticipantResponseSchema, {
      participant: participantToProto(e.participant),
      cause: CAUSE[e.cause],
      ...(e.token && { token: e.token.token, expiresAt: timestampFromSeconds(e.token.expiresAt) }),
    });
    responses.set(e, res);
    return res;
  };
}

/** What a watch stream needs. */
type WatchDeps = ParticipantServiceDeps & { respond: (e: WatchEvent) => WatchParticipantResponse };

/**
 * Turns registry events into a stream that ends after `removed`, when the call
 * goes away, or when the caller's token stops authorizing it (contract §9).
 * Every event is checked against the caller's token right before it is handed
 * to the transport; a revocation of the caller's identity or its expiry ends the
 * stream at once (`interrupted` wakes a transport that waits on a slow reader),
 * and nothing is handed over after that. Events queue in a bounded
 * WatchQueue while the transport waits for flow control.
 */
function watchStream(deps: WatchDeps, room: string, identity: string, ctx: CallContext): InterruptibleStream<WatchParticipantResponse> {
  const interrupt = new AbortController();
  async function* run(): AsyncGenerator<WatchParticipantResponse> {
    const { registry, verifier } = deps;
    const caller = await authorizeWatcher(verifier, ctx, room, identity);
    // Stalled streams each keep the message they were handed; past the budget no new stream joins them.
    if (deps.sendBudget?.exhausted) throw new RoomgateError("watch_limit");
    const queue = createWatchQueue<WatchEvent>(deps.watchBuffer);
    let failure: unknown;
    let wake: (() => void) | undefined;
    const fail = (err: unknown): void => {
      failure ??= err;
      interrupt.abort();
      wake?.();
    };
    const check = async (): Promise<void> => {
      const access = await verifier.recheck(caller);
      requireWatchGrant(caller, access.effectiveVideo, room, identity);
    };
    const callerRoom = caller.grants.video?.room;
    // Revocation is per (room, identity) of the token; one without either cannot be revoked.
    const stopRevocation = callerRoom && caller.identity ? registry.onRevocation(callerRoom, caller.identity, () => void check().catch(fail)) : undefined;
    const stopExpiry = deps.expiry.add(verifier.expiredAtMs(caller), () => fail(tokenError("token_expired")));
    const onAbort = (): void => wake?.();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    let stop: (() => void) | undefined;
    try {
      stop = await registry.watch(room, identity, (e) => {
        if (queue.push(e)) wake?.();
      });
      for (;;) {
        if (failure) throw failure;
        const e = queue.shift();
        if (!e) {
          if (ctx.signal.aborted) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        await check().catch(fail);
        // A participant's own older token that an admin update covers gets that update's permission from
        // RefreshToken; it must not collect the tokens of a session begun from a newer join token instead.
        if (!failure && !isRoomAdmin(caller, room) && e.cause !== "removed" && sessionOutranksToken(e.participant, caller.issuedAt ?? caller.notBefore)) {
          fail(grantMissing("roomJoin", room));
        }
        if (failure) throw failure;
        yield deps.respond(e);
        // A transport that saw `interrupted` before writing the event asks again: say why the stream ends.
        if (failure) throw failure;
        if (e.cause === "removed") return;
      }
    } finally {
      stop?.();
      stopRevocation?.();
      stopExpiry();
      ctx.signal.removeEventListener("abort", onAbort);
    }
  }
  const it = run();
  return { [Symbol.asyncIterator]: () => it, interrupted: interrupt.signal };
}

/** Creates the roomgate.v1.ParticipantService implementation. */
export function createParticipantService(deps: ParticipantServiceDeps): ImplOf<typeof ParticipantService> {
  const { registry, verifier } = deps;
  const watchDeps: WatchDeps = { ...deps, respond: responseCache() };
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

    watchParticipant(req, ctx) {
      return watchStream(watchDeps, req.room, req.identity, ctx);
    },

    async refreshToken(req) {
      if (!req.token) throw tokenError("token_malformed");
      const access = await verifier.verify(req.token);
      const t = access.token;
      const room = t.grants.video?.room;
      // Only a join token buys a join token: an admin-only or subscribe-only token of the identity gets nothing.
      requireJoinGrant(access.effectiveVideo, room ?? "");
      // A token that names no room or identity cannot belong to a registered participant.
      if (!room || !t.identity) throw new RoomgateError("participant_not_found");
      const { token } = await registry.refresh(room, t.identity, t);
      return create(RefreshTokenResponseSchema, { token: token.token, expiresAt: timestampFromSeconds(token.expiresAt) });
    },
  };
}
