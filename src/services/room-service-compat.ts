import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { invalidArgument, RoomgateError } from "../core/errors.js";
import { readTrackSource, toPermission, TRACK_SOURCES, UNKNOWN_SOURCE, type ParticipantPermission as DomainPermission } from "../core/grants.js";
import type { ParticipantLimits } from "../config/server-config.js";
import type { ParticipantRecord } from "../participants/model.js";
import type { ParticipantRegistry } from "../participants/registry.js";
import { checkUpdateLimits, type ParticipantUpdate } from "../participants/update-rules.js";
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
  /** LiveKit's UpdateParticipant size limits, checked before authorization as LiveKit does. */
  limits: ParticipantLimits;
  /** Records updates, removals and refused callers (contract §11); default: not recorded. */
  audit?: AuditLog;
  clock?: Clock;
}

// LiveKit's TrackSource numbers follow TRACK_SOURCES' order after UNKNOWN = 0.
const SOURCE_NUMBER = new Map<string, TrackSource>(TRACK_SOURCES.map((s, i) => [s, (i + 1) as TrackSource]));

/** LiveKit's TrackSource of a source string: read in any case; anything else is UNKNOWN, as in LiveKit. */
export function livekitSource(s: string): TrackSource {
  const name = readTrackSource(s);
  return name === undefined ? TrackSource.UNKNOWN : SOURCE_NUMBER.get(name)!;
}

/** The source string of a LiveKit TrackSource in a request: UNKNOWN is `unknown`, as LiveKit's UpdateFromPermission writes it. */
export function livekitSourceName(s: number, field: string): string {
  if (s === TrackSource.UNKNOWN) return UNKNOWN_SOURCE;
  const name = TRACK_SOURCES[s - 1];
  if (!name) throw invalidArgument(field, "holds an unknown track source number");
  return name;
}

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
  return create(ParticipantPermissionSchema, { ...p, canPublishSources: p.canPublishSources.map(livekitSource) });
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
 * livekit-server-sdk's RoomServiceClient works unchanged. They answer as
 * LiveKit's RoomService does (contract §9): size limits before authorization,
 * roomAdmin for the room (the transport answers its absence 401), and a
 * participant not in the room is not found, whether it never joined or left.
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
      const participant = await registry.get(req.room, req.identity);
      // LiveKit only knows participants in the room; a removed one is gone.
      if (participant.state !== "active") throw new RoomgateError("participant_not_found");
      return participantInfo(participant);
    },

    async removeParticipant(req, ctx) {
      const caller = await authorizeAdminAudited(deps, ctx, req.room, req.identity, "participant.remove");
      const ts = req.revokeTokenTs;
      // LiveKit's revoke_token_ts names the watermark itself; zero means "do not revoke". The registry refuses
      // one more than a minute ahead, and records it even for an identity that never joined.
      const removed = await auditedRemove(deps, caller, req.room, req.identity, ts !== 0n, ts === 0n ? undefined : Number(ts));
      // LiveKit answers a participant not in the room 404 whatever the request holds; the watermark stays recorded.
      if (!removed) throw new RoomgateError("participant_not_found");
      return create(RemoveParticipantResponseSchema);
    },

    async updateParticipant(req, ctx) {
      const changes: ParticipantUpdate = { name: req.name, metadata: req.metadata, attributes: req.attributes };
      // LiveKit's HTTP middleware refuses a bad token (401) before the handler; the handler then checks the
      // sizes before the roomAdmin grant (its own tests pin this order). roomgate.v1 authorizes first.
      if (ctx.credential) await verifier.verify(ctx.credential);
      checkUpdateLimits(changes, deps.limits);
      const caller = await authorizeAdminAudited(deps, ctx, req.room, req.identity, "participant.update");
      if (req.permission) changes.permission = permissionFromProto(req.permission, "permission", livekitSourceName);
      return participantInfo(await auditedUpdate(deps, caller, req.room, req.identity, changes));
    },
  };
}
