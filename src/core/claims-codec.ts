import { RoomgateError } from "./errors.js";
import type {
  AgentGrant,
  ClaimGrants,
  InferenceGrant,
  JsonObject,
  JsonValue,
  ObservabilityGrant,
  SIPGrant,
  VideoGrant,
} from "./grants.js";

/** The registered JWT claims roomgate reads and writes. */
export interface RegisteredClaims {
  iss?: string;
  sub?: string;
  jti?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
}

/** A decoded, type-checked token payload. */
export interface ParsedPayload {
  registered: RegisteredClaims;
  grants: ClaimGrants;
}

/** Deepest nesting accepted inside `roomConfig` before the payload counts as malformed. */
export const MAX_JSON_DEPTH = 32;

type Obj = Record<string, unknown>;

const malformed = (): RoomgateError => new RoomgateError("token_malformed");

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Go's decoder turns a lone surrogate ("\ud800") into U+FFFD, and so does every UTF-8 hop
// (protobuf, SQLite); doing it here too keeps a token's identity and room equal to the ones
// an admin names, so a revocation or update always finds the token it is about.
const wellFormed = (v: string): string => v.toWellFormed();

// Go's encoding/json treats null as "leave unset", so null is accepted as absent everywhere.
function str(o: Obj, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw malformed();
  return wellFormed(v);
}

function bool(o: Obj, k: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw malformed();
  return v;
}

function num(o: Obj, k: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw malformed();
  return v;
}

/** Earliest time a token may name: protobuf Timestamp's range (years 1–9999), in which every reply carries times. */
export const MIN_TIME_SECONDS = -62_135_596_800;
/** Latest time a token may name (9999-12-31T23:59:59Z). */
export const MAX_TIME_SECONDS = 253_402_300_799;

// A time no reply could express would fail only after a join was stored, so it is refused up front.
function time(o: Obj, k: string): number | undefined {
  const v = num(o, k);
  if (v !== undefined && (v < MIN_TIME_SECONDS || v > MAX_TIME_SECONDS)) throw malformed();
  return v;
}

function strList(o: Obj, k: string): string[] | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw malformed();
  for (const x of v) if (typeof x !== "string") throw malformed();
  return (v as string[]).map(wellFormed);
}

function obj(o: Obj, k: string): Obj | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw malformed();
  return v;
}

function strMap(o: Obj, k: string): Record<string, string> | undefined {
  const m = obj(o, k);
  if (m === undefined) return undefined;
  const entries = Object.entries(m);
  for (const [, v] of entries) if (typeof v !== "string") throw malformed();
  // fromEntries defines own properties, so a "__proto__" attribute is kept instead of silently dropped.
  return Object.fromEntries(entries.map(([key, v]) => [wellFormed(key), wellFormed(v as string)])) as Record<string, string>;
}

/**
 * Whether a JSON value is one roomgate will carry in `roomConfig`: nested at most
 * MAX_JSON_DEPTH levels and free of non-finite numbers (JSON.parse reads 1e999
 * as Infinity, which Go's decoder refuses and JSON cannot write back).
 */
export function isCarriableJson(v: unknown, depth = 1): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (typeof v !== "object" || v === null) return true;
  if (depth > MAX_JSON_DEPTH) return false;
  const children = Array.isArray(v) ? v : Object.values(v);
  for (const c of children) if (!isCarriableJson(c, depth + 1)) return false;
  return true;
}

// Copies only the fields that are present, so absent stays absent (tri-state).
function pick<T extends object>(src: Obj, bools: readonly string[], strs: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of bools) {
    const v = bool(src, k);
    if (v !== undefined) out[k] = v;
  }
  for (const k of strs) {
    const v = str(src, k);
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

const VIDEO_BOOLS = [
  "roomCreate", "roomList", "roomRecord", "roomAdmin", "roomJoin", "canPublish", "canSubscribe",
  "canPublishData", "canUpdateOwnMetadata", "ingressAdmin", "hidden", "recorder", "agent",
  "canSubscribeMetrics", "canManageAgentSession",
] as const;
const VIDEO_STRS = ["room", "destinationRoom"] as const;

function parseVideo(o: Obj): VideoGrant {
  const v = pick<VideoGrant>(o, VIDEO_BOOLS, VIDEO_STRS);
  const sources = strList(o, "canPublishSources");
  if (sources !== undefined) v.canPublishSources = sources;
  return v;
}

/**
 * Parses an untrusted, already JSON-decoded payload into typed claims.
 * Unknown claims and unknown grant fields are ignored; a known field of the
 * wrong type makes the token malformed, as Go's json.Unmarshal would.
 */
export function parsePayload(payload: unknown): ParsedPayload {
  if (!isObject(payload)) throw malformed();
  const registered: RegisteredClaims = {};
  const iss = str(payload, "iss");
  if (iss !== undefined) registered.iss = iss;
  const sub = str(payload, "sub");
  if (sub !== undefined) registered.sub = sub;
  const jti = str(payload, "jti");
  if (jti !== undefined) registered.jti = jti;
  const exp = time(payload, "exp");
  if (exp !== undefined) registered.exp = exp;
  const nbf = time(payload, "nbf");
  if (nbf !== undefined) registered.nbf = nbf;
  const iat = time(payload, "iat");
  if (iat !== undefined) registered.iat = iat;
  return { registered, grants: parseGrants(payload) };
}

/** Parses the ClaimGrants part of a payload object (see parsePayload). */
export function parseGrants(p: Obj): ClaimGrants {
  const g: ClaimGrants = pick<ClaimGrants>(p, [], ["identity", "name", "kind", "metadata", "sha256", "roomPreset"]);
  const kindDetails = strList(p, "kindDetails");
  if (kindDetails !== undefined) g.kindDetails = kindDetails;
  const video = obj(p, "video");
  if (video !== undefined) g.video = parseVideo(video);
  const sip = obj(p, "sip");
  if (sip !== undefined) g.sip = pick<SIPGrant>(sip, ["admin", "call"], []);
  const agent = obj(p, "agent");
  if (agent !== undefined) g.agent = pick<AgentGrant>(agent, ["admin", "simulationAdmin", "databaseAdmin"], []);
  const inference = obj(p, "inference");
  if (inference !== undefined) g.inference = pick<InferenceGrant>(inference, ["perform"], []);
  const observability = obj(p, "observability");
  if (observability !== undefined) g.observability = pick<ObservabilityGrant>(observability, ["write"], []);
  const attributes = strMap(p, "attributes");
  if (attributes !== undefined) g.attributes = attributes;
  const roomConfig = obj(p, "roomConfig");
  if (roomConfig !== undefined) {
    if (!isCarriableJson(roomConfig)) throw malformed();
    g.roomConfig = roomConfig as JsonObject;
  }
  return g;
}

function compact<T extends object>(o: T | undefined): T | undefined {
  if (o === undefined) return undefined;
  const out: Record<string, unknown> = {};
  let any = false;
  const src = o as Record<string, unknown>;
  // Object.keys keeps Object.entries' order without allocating a pair per field (this runs on every mint).
  for (const k of Object.keys(src)) {
    const v = src[k];
    if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    // false is kept only for tri-state fields; plain bools are omitempty like Go.
    if (v === false && !TRI_STATE.has(k)) continue;
    out[k] = v;
    any = true;
  }
  return any ? (out as T) : undefined;
}

const TRI_STATE = new Set([
  "canPublish", "canSubscribe", "canPublishData", "canUpdateOwnMetadata", "canSubscribeMetrics", "canManageAgentSession",
]);

/** Choices of encodePayload that differ between kinds of token. */
export interface EncodeOptions {
  /** Also write the `identity` claim, as LiveKit's server does in refreshed tokens (verifiers ignore it). */
  identityClaim?: boolean;
}

/**
 * Builds the JWT payload object in Go's field order: registered claims first,
 * then grants; empty and unset fields omitted, explicit tri-state `false` kept.
 */
export function encodePayload(
  reg: Required<Pick<RegisteredClaims, "iss" | "exp" | "nbf" | "iat">> & { sub?: string },
  g: ClaimGrants,
  opts: EncodeOptions = {},
): Record<string, JsonValue> {
  const out: Record<string, unknown> = { iss: reg.iss };
  if (reg.sub) out.sub = reg.sub;
  out.exp = reg.exp;
  out.nbf = reg.nbf;
  out.iat = reg.iat;
  if (opts.identityClaim && g.identity) out.identity = g.identity;
  if (g.name) out.name = g.name;
  if (g.kind) out.kind = g.kind;
  if (g.kindDetails && g.kindDetails.length > 0) out.kindDetails = g.kindDetails;
  const video = compact(g.video);
  if (video) out.video = video;
  const sip = compact(g.sip);
  if (sip) out.sip = sip;
  const agent = compact(g.agent);
  if (agent) out.agent = agent;
  const inference = compact(g.inference);
  if (inference) out.inference = inference;
  const observability = compact(g.observability);
  if (observability) out.observability = observability;
  if (g.roomConfig && Object.keys(g.roomConfig).length > 0) out.roomConfig = g.roomConfig;
  if (g.roomPreset) out.roomPreset = g.roomPreset;
  if (g.sha256) out.sha256 = g.sha256;
  if (g.metadata) out.metadata = g.metadata;
  if (g.attributes && Object.keys(g.attributes).length > 0) out.attributes = g.attributes;
  return out as Record<string, JsonValue>;
}
