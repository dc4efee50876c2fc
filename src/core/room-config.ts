import { invalidArgument } from "./errors.js";
import type { JsonObject, JsonValue } from "./grants.js";

// Where LiveKit's RoomConfiguration keeps egress storage credentials (livekit/protocol auth/grants.go,
// CheckCredentials; messages in protobufs/livekit_egress.proto). Keys are proto names; protojson,
// which LiveKit decodes roomConfig with, also accepts the lowerCamelCase JSON name of each.
const UPLOAD_SECRETS: readonly [upload: string, secret: string][] = [
  ["s3", "secret"],
  ["gcp", "credentials"],
  ["azure", "account_key"],
  ["aliOSS", "secret"],
];
// Repeated outputs of RoomEgress.participant (AutoParticipantEgress) and RoomEgress.room (RoomCompositeEgressRequest).
const PARTICIPANT_OUTPUTS = ["file_outputs", "segment_outputs"] as const;
const ROOM_OUTPUTS = ["file_outputs", "segment_outputs", "image_outputs"] as const;
// RoomCompositeEgressRequest's deprecated single outputs. LiveKit's check skips them, yet they carry the same
// credentials (and stream keys) to every client that holds the token, so roomgate refuses them too.
const ROOM_DEPRECATED_OUTPUTS = ["file", "segments"] as const;

const jsonName = (protoName: string): string => protoName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Every value of a proto field in a protojson object, under its proto name and its JSON name. Both are
 * checked: an object may hold both spellings, and the token hands both to the client whatever a decoder keeps.
 */
function fields(o: JsonObject, protoName: string): JsonValue[] {
  const names = new Set([protoName, jsonName(protoName)]);
  return [...names].map((n) => o[n]).filter((v): v is JsonValue => v !== undefined && v !== null);
}

// Go refuses a non-empty string; anything else that is not empty would not decode there, so it is refused too.
const carries = (v: JsonValue | undefined): boolean => v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0);

const refuse = (path: string): never => {
  throw invalidArgument(`claims.room_config.${path}`, "must not carry egress storage credentials (tokens go to clients)");
};

function checkUpload(output: JsonValue | undefined, path: string): void {
  if (!isObject(output)) return;
  for (const [upload, secret] of UPLOAD_SECRETS) {
    for (const u of fields(output, upload)) {
      if (isObject(u) && fields(u, secret).some(carries)) refuse(`${path}.${upload}.${secret}`);
    }
  }
}

function checkOutputList(parent: JsonObject, name: string, path: string): void {
  for (const list of fields(parent, name)) {
    if (Array.isArray(list)) list.forEach((output, i) => checkUpload(output, `${path}.${name}[${i}]`));
  }
}

/**
 * Refuses a `roomConfig` that carries egress storage credentials, as LiveKit's Go
 * AccessToken does by default (ErrSensitiveCredentials): an S3 or AliOSS `secret`, a
 * GCP `credentials` or an Azure `account_key` in any participant, room or track egress
 * output, or any room stream output (its URLs hold stream keys). The error names the
 * field, never its value.
 */
export function checkRoomConfigCredentials(roomConfig: JsonObject): void {
  for (const egress of fields(roomConfig, "egress")) {
    if (!isObject(egress)) continue;
    for (const participant of fields(egress, "participant")) {
      if (isObject(participant)) for (const name of PARTICIPANT_OUTPUTS) checkOutputList(participant, name, "egress.participant");
    }
    for (const room of fields(egress, "room")) {
      if (!isObject(room)) continue;
      for (const name of ROOM_OUTPUTS) checkOutputList(room, name, "egress.room");
      if (fields(room, "stream_outputs").some(carries)) refuse("egress.room.stream_outputs");
      for (const name of ROOM_DEPRECATED_OUTPUTS) for (const out of fields(room, name)) checkUpload(out, `egress.room.${name}`);
      if (fields(room, "stream").some(carries)) refuse("egress.room.stream");
    }
    for (const tracks of fields(egress, "tracks")) checkUpload(tracks, "egress.tracks");
  }
}
