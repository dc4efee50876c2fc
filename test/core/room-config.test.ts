import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/core/grants.js";
import { DEFAULT_MINT_LIMITS, mintToken } from "../../src/core/minting.js";
import { createHmacKey } from "../../src/core/hmac-key.js";
import { checkRoomConfigCredentials } from "../../src/core/room-config.js";

const refused = (roomConfig: JsonObject, field: string) =>
  expect(() => checkRoomConfigCredentials(roomConfig)).toThrow(expect.objectContaining({ reason: "invalid_argument", code: "INVALID_ARGUMENT", field }));

describe("checkRoomConfigCredentials: LiveKit's RoomConfiguration.CheckCredentials", () => {
  it("accepts a config without egress, an empty egress and uploads without credentials", () => {
    for (const c of [
      {}, { name: "r", agents: [{ agentName: "a" }] }, { egress: {} }, { egress: { room: {}, participant: {}, tracks: {} } },
      { egress: { participant: { fileOutputs: [{ s3: { accessKey: "AK", secret: "", bucket: "b" } }] } } },
      { egress: { room: { file_outputs: [{ filepath: "x", gcp: { bucket: "b" } }], stream_outputs: [] } } },
      { egress: { tracks: { filepath: "t", azure: { accountName: "n", accountKey: "" } } } },
    ] as JsonObject[]) {
      expect(() => checkRoomConfigCredentials(c)).not.toThrow();
    }
  });

  it.each([
    ["participant file output S3 secret", { egress: { participant: { fileOutputs: [{ s3: { accessKey: "AK", secret: "s" } }] } } }, "claims.room_config.egress.participant.file_outputs[0].s3.secret"],
    ["participant segment output GCP credentials", { egress: { participant: { segment_outputs: [{}, { gcp: { credentials: "{}" } }] } } }, "claims.room_config.egress.participant.segment_outputs[1].gcp.credentials"],
    ["room file output Azure account key", { egress: { room: { fileOutputs: [{ azure: { accountKey: "k" } }] } } }, "claims.room_config.egress.room.file_outputs[0].azure.account_key"],
    ["room segment output AliOSS secret", { egress: { room: { segmentOutputs: [{ aliOSS: { secret: "s" } }] } } }, "claims.room_config.egress.room.segment_outputs[0].aliOSS.secret"],
    ["room image output S3 secret", { egress: { room: { image_outputs: [{ s3: { secret: "s" } }] } } }, "claims.room_config.egress.room.image_outputs[0].s3.secret"],
    ["any room stream output (stream keys)", { egress: { room: { streamOutputs: [{ urls: ["rtmp://x/key"] }] } } }, "claims.room_config.egress.room.stream_outputs"],
    ["auto track egress S3 secret", { egress: { tracks: { s3: { secret: "s" } } } }, "claims.room_config.egress.tracks.s3.secret"],
    ["auto track egress Azure account key, snake_case", { egress: { tracks: { azure: { account_key: "k" } } } }, "claims.room_config.egress.tracks.azure.account_key"],
    ["deprecated room file output S3 secret (LiveKit's check skips it)", { egress: { room: { file: { s3: { secret: "s" } } } } }, "claims.room_config.egress.room.file.s3.secret"],
    ["deprecated room segments output GCP credentials", { egress: { room: { segments: { gcp: { credentials: "c" } } } } }, "claims.room_config.egress.room.segments.gcp.credentials"],
    ["deprecated room stream output", { egress: { room: { stream: { urls: ["rtmp://x/key"] } } } }, "claims.room_config.egress.room.stream"],
  ])("refuses a %s, naming the field", (_name, config, field) => {
    refused(config as JsonObject, field);
  });

  it.each([
    ["an Azure account key under its JSON name beside an empty proto name", { egress: { tracks: { azure: { account_key: "", accountKey: "k" } } } }, "claims.room_config.egress.tracks.azure.account_key"],
    ["stream outputs under the JSON name beside an empty list under the proto name", { egress: { room: { stream_outputs: [], streamOutputs: [{ urls: ["rtmp://x/key"] }] } } }, "claims.room_config.egress.room.stream_outputs"],
    ["file outputs under the JSON name beside an empty proto-name list", { egress: { participant: { file_outputs: [], fileOutputs: [{ s3: { secret: "s" } }] } } }, "claims.room_config.egress.participant.file_outputs[0].s3.secret"],
    ["image outputs under the JSON name beside a non-list proto name", { egress: { room: { image_outputs: "x", imageOutputs: [{ gcp: { credentials: "c" } }] } } }, "claims.room_config.egress.room.image_outputs[0].gcp.credentials"],
  ])("refuses %s (both spellings are checked: the token carries both to the client)", (_name, config, field) => {
    refused(config as JsonObject, field);
  });

  it("never echoes the credential in the error", () => {
    try {
      checkRoomConfigCredentials({ egress: { tracks: { s3: { secret: "hunter2-secret" } } } });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain("hunter2");
    }
  });

  it("is part of minting, so CreateToken and the CLI both refuse", () => {
    const key = createHmacKey("APIk", "a-secret-that-is-at-least-32-bytes-long!!");
    expect(() => mintToken(key, { grants: { identity: "a", roomConfig: { egress: { tracks: { gcp: { credentials: "c" } } } } } }, 1_700_000_000, DEFAULT_MINT_LIMITS))
      .toThrow(expect.objectContaining({ reason: "invalid_argument", field: "claims.room_config.egress.tracks.gcp.credentials" }));
  });
});
