import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { toPermission, TRACK_SOURCES, type ParticipantPermission as DomainPermission } from "../core/grants.js";
import type { ParticipantRecord } from "../participants/model.js";
import type { ParticipantRegistry } from "../participants/registry.js";
import {
  ListParticipantsResponseSchema, ParticipantInfo_Kind, ParticipantInfo_State, ParticipantInfoSchema,
  ParticipantPermissionSchema, RemoveParticipantResponseSchema, TrackSource,
  type ParticipantInfo, type ParticipantPermission, type RoomService,
} from "../../gen/livekit/room_service_pb.js";
import type { ImplOf } from "../transport/grpc-adapter.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Clock } from "../core/clock.js";
import { auditedRemove, auditedUpdate, authorizeAdminAudited } from "./audited-participants.js";
import { authorizeRoomAdmin } from "./authorization.js";
import { permissionFromProto } from "./claims-convert.js";
import type { TokenVerifier } from "./token-verifier.js";

/** Dependencies of the LiveKit RoomService compatibility routes. */
export interface RoomServiceCompatDeps {
  registry: ParticipantRegistry;
  verifier: TokenVerifier;
  /** Records updates, removals and refused callers (contract §11); default: not recorded. */
  audit?: AuditLog;
  clock?: Clock;
}

// LiveKit's TrackSource numbers follow TRACK_SOURCES' order after UNKNOWN = 0.
const SOURCE_NUMBER = new Map<string, TrackSource>(TRACK_SOURCES.map((s, i) => [s, (i + 1) as TrackSource]));

function kindOf(kind: string): ParticipantInfo_Kind {
  const k = ParticipantInfo_Kind[kind.toUpperCase() as keyof typeof ParticipantInfo_Kind];
  return typeof k === "number" ? k : ParticipantInfo_Kind.STANDARD;
}

/** LiveKit's `sid` is opaque; a stable digest of (room, identity) keeps it constant across rejoins and restarts. */
export function participantSid(room: string, identity: string): string {
  return `PA_${createHash("sha256").update(JSON.stringify([room, identity])).digest("base64url").slice(0, 12)}`;
}

/** The LiveKit ParticipantPermission of a domain permission. */
export function livekitPermission(p: DomainPermission): ParticipantPermission {
  return create(ParticipantPermissionSchema, { ...p, canPublishSources: p.canPublishSources.map((s) => SOURCE_NUMBER.get(s)!) });
}

/** LiveKit's ParticipantInfo for a record: an active participant is ACTIVE, a removed one DISCONNECTED. */
export function participantInfo(r: ParticipantRecord): ParticipantInfo {
  return create(ParticipantInfoSchema, {
    sid: participantSid(r.room, r.identity),
    identity: r.identity,
    state: r.state === "active" ? ParticipantInfo_State.ACTIVE : ParticipantInfo_State.DISCONNECTED,
    metadata: r.metadata,
    joinedAt: BigInt(Math.floor(r.joinedAtMs / 1000)),
    joinedAtMs: BigInt(r.joinedAtMs),
    name: r.name,
    version: r.version,
    permission: livekitPermission(toPermission(r.video)),
    kind: kindOf(r.kind),
    attributes: r.attributes,
  });
}

/**
 * Creates the livekit.RoomService participant routes for Twirp, so that
 * livekit-server-sdk's RoomServiceClient works unchanged. Authorization is
 * LiveKit's (roomAdmin for the room); failures use roomgate's error table.
 */
export function createRoomServiceCompat(deps: RoomServiceCompatDeps): ImplOf<typeof RoomService> {
  const { registry, verifier } = deps;
  return {
    async listParticipants(req, ctx) {
      await authorizeRoomAdmin(verifier, ctx, req.room);
      return create(ListParticipantsResponseSchema, { participants: (await registry.list(req.room)).map(participantInfo) });
    },

    async getParticipant(req, ctx) {
      await authorizeRoomAdmin(verifier, ctx, req.room);
      return participantInfo(await registry.get(req.room, req.identity));
    },

    async removeParticipant(req, ctx) {
      const caller = await authorizeAdminAudited(deps, ctx, req.room, req.identity, "participant.remove");
      const ts = req.revokeTokenTs;
      // LiveKit's revoke_token_ts names the watermark itself; zero means "do not revoke". The registry refuses
      // one more than a minute ahead, and records it even for an identity that never joined.
      await auditedRemove(deps, caller, req.room, req.identity, ts !== 0n, ts === 0n ? undefined : Number(ts));
      return create(RemoveParticipantResponseSchema);
    },

    async updateParticipant(req, ctx) {
      const caller = await authorizeAdminAudited(deps, ctx, req.room, req.identity, "participant.update");
      const participant = await auditedUpdate(deps, caller, req.room, req.identity, {
        name: req.name,
        metadata: req.metadata,
        attributes: req.attributes,
        ...(req.permission && { permission: permissionFromProto(req.permission) }),
      });
      return participantInfo(participant);
    },
  };
}
