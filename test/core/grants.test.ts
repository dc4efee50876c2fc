import { describe, expect, it } from "vitest";
import {
  applyPermission,
  samePermission,
  canPublishSource,
  getCanPublish,
  getCanPublishData,
  getCanSubscribe,
  isParticipantKind,
  isTrackSource,
  matchesPermission,
  PARTICIPANT_KINDS,
  toPermission,
  TRACK_SOURCES,
  type ParticipantPermission,
  type VideoGrant,
} from "../../src/core/grants.js";
import { loadVector } from "./support.js";

interface PermissionVectors {
  toPermission: { name: string; video: VideoGrant; permission: ParticipantPermission }[];
  applyPermission: { name: string; video: VideoGrant; permission: ParticipantPermission; expect: VideoGrant }[];
  matchesPermission: { name: string; video: VideoGrant; permission: ParticipantPermission; matches: boolean }[];
  publishSources: { name: string; video: VideoGrant; allowed: string[] }[];
  sources: { valid: string[]; invalid: string[] };
  kinds: { valid: string[]; invalid: string[] };
}

const vectors = loadVector<PermissionVectors>("permissions.json");

describe("toPermission: permissions.json", () => {
  it.each(vectors.toPermission.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    expect(toPermission(v.video)).toStrictEqual(v.permission);
    expect(getCanPublish(v.video)).toBe(v.permission.canPublish);
    expect(getCanSubscribe(v.video)).toBe(v.permission.canSubscribe);
    expect(getCanPublishData(v.video)).toBe(v.permission.canPublishData);
  });
});

describe("applyPermission: permissions.json", () => {
  it.each(vectors.applyPermission.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const before = structuredClone(v.video);
    const out = applyPermission(v.video, v.permission);
    expect(out).toStrictEqual(v.expect);
    expect(v.video).toStrictEqual(before);
    expect(matchesPermission(out, v.permission)).toBe(true);
    expect(toPermission(out)).toStrictEqual(v.permission);
  });

  it("does not share the permission's source array", () => {
    const p: ParticipantPermission = { ...toPermission({}), canPublishSources: ["camera"] };
    const out = applyPermission({}, p);
    p.canPublishSources.push("microphone");
    expect(out.canPublishSources).toEqual(["camera"]);
  });
});

describe("matchesPermission: permissions.json", () => {
  it.each(vectors.matchesPermission.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    expect(matchesPermission(v.video, v.permission)).toBe(v.matches);
  });

  it.each(vectors.toPermission.map((v) => [v.name, v] as const))("a grant matches its own permission: %s", (_name, v) => {
    expect(matchesPermission(v.video, toPermission(v.video))).toBe(true);
  });
});

describe("canPublishSource: permissions.json", () => {
  it.each(vectors.publishSources.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    expect(TRACK_SOURCES.filter((s) => canPublishSource(v.video, s))).toEqual(v.allowed);
  });
});

describe("source and kind names", () => {
  it("lists exactly LiveKit's lowercase publishable sources", () => {
    expect([...TRACK_SOURCES]).toEqual(vectors.sources.valid);
    for (const s of vectors.sources.valid) expect(isTrackSource(s)).toBe(true);
    for (const s of vectors.sources.invalid) expect(isTrackSource(s)).toBe(false);
  });

  it("lists exactly LiveKit's lowercase participant kinds", () => {
    expect([...PARTICIPANT_KINDS]).toEqual(vectors.kinds.valid);
    for (const k of vectors.kinds.valid) expect(isParticipantKind(k)).toBe(true);
    for (const k of vectors.kinds.invalid) expect(isParticipantKind(k)).toBe(false);
  });
});

describe("samePermission", () => {
  const base = toPermission({ canPublish: false, canPublishSources: ["camera", "microphone"] });
  it("is true for equal permissions built apart", () => {
    expect(samePermission(base, toPermission({ canPublish: false, canPublishSources: ["camera", "microphone"] }))).toBe(true);
  });
  it("is false when any flag or the source list differs", () => {
    expect(samePermission(base, { ...base, hidden: true })).toBe(false);
    expect(samePermission(base, { ...base, canManageAgentSession: true })).toBe(false);
    expect(samePermission(base, { ...base, canPublishSources: ["camera"] })).toBe(false);
    expect(samePermission(base, { ...base, canPublishSources: ["microphone", "camera"] })).toBe(false);
  });
});
