import { parseGrants } from "../../core/claims-codec.js";
import { nowSeconds } from "../../core/clock.js";
import {
  isTrackSource,
  PARTICIPANT_KINDS,
  readParticipantKind,
  type ClaimGrants,
  type JsonObject,
  type VideoGrant,
} from "../../core/grants.js";
import { createHmacKey } from "../../core/hmac-key.js";
import { mintToken, type MintedToken } from "../../core/minting.js";
import { jsonObjectFlag, parseAttributes, parseFlags, triState, type Parsed } from "../args.js";
import { usageError, type CliContext } from "../context.js";
import { grantsJson, prettyJson } from "../format.js";
import { TOKEN_CREATE_HELP } from "./help.js";
import { localCredentials, remoteService } from "./credentials.js";
import { validForSeconds } from "./valid-for.js";

const CMD = "token create";

const OPTIONS = {
  "api-key": { type: "string" },
  "api-secret": { type: "string" },
  identity: { type: "string", short: "i" },
  room: { type: "string", short: "r" },
  name: { type: "string", short: "n" },
  join: { type: "boolean" },
  admin: { type: "boolean" },
  create: { type: "boolean" },
  list: { type: "boolean" },
  egress: { type: "boolean" },
  ingress: { type: "boolean" },
  inference: { type: "boolean" },
  "sip-admin": { type: "boolean" },
  "sip-call": { type: "boolean" },
  "allow-source": { type: "string", multiple: true },
  "allow-update-metadata": { type: "boolean" },
  "can-publish": { type: "string" },
  "can-subscribe": { type: "string" },
  "can-publish-data": { type: "string" },
  hidden: { type: "boolean" },
  kind: { type: "string" },
  metadata: { type: "string" },
  attribute: { type: "string", multiple: true },
  "attribute-file": { type: "string" },
  agent: { type: "string" },
  "job-metadata": { type: "string" },
  "valid-for": { type: "string", default: "5m" },
  grant: { type: "string" },
  "room-config": { type: "string" },
  json: { type: "boolean", short: "j" },
  "token-only": { type: "boolean" },
  server: { type: "string" },
  credential: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = Parsed<typeof OPTIONS>["values"];

// Every VideoGrant field, so `--grant` keys can be matched case-insensitively as Go's json.Unmarshal does.
const VIDEO_FIELDS: { [K in keyof Required<VideoGrant>]: true } = {
  roomCreate: true, roomList: true, roomRecord: true, roomAdmin: true, roomJoin: true, room: true,
  canPublish: true, canSubscribe: true, canPublishData: true, canPublishSources: true,
  canUpdateOwnMetadata: true, ingressAdmin: true, hidden: true, recorder: true, agent: true,
  canSubscribeMetrics: true, canManageAgentSession: true, destinationRoom: true,
};

function videoField(key: string): string | undefined {
  const lower = key.toLowerCase();
  return Object.keys(VIDEO_FIELDS).find((f) => f.toLowerCase() === lower);
}

function checkSources(sources: readonly unknown[]): string[] {
  for (const s of sources) if (typeof s !== "string" || !isTrackSource(s)) throw usageError(`invalid source: ${String(s)}`, CMD);
  return sources as string[];
}

/** lk's --grant: JSON decoded into the video grant after the flags, then type-checked by the core codec; unknown fields are ignored, as Go's json.Unmarshal ignores them, with a warning. */
function mergeGrantJson(video: VideoGrant, json: string, warn: (text: string) => void): VideoGrant {
  const parsed = jsonObjectFlag(json, "--grant", "a JSON object of VideoGrant fields", CMD);
  const merged: Record<string, unknown> = { ...video };
  for (const [key, value] of Object.entries(parsed)) {
    const field = videoField(key);
    if (!field) {
      warn(`--grant field ${JSON.stringify(key)} is not a VideoGrant field; ignored, as lk ignores it`);
      continue;
    }
    // Go's json.Unmarshal leaves a field alone when the JSON value is null.
    if (value === null) continue;
    try {
      parseGrants({ video: { [field]: value } });
    } catch {
      throw usageError(`--grant field "${field}" has the wrong type`, CMD);
    }
    if (field === "canPublishSources") checkSources(value as unknown[]);
    merged[field] = value;
  }
  return parseGrants({ video: merged }).video ?? {};
}

/** --room-config: a JSON object (LiveKit's RoomConfiguration as protobuf JSON), type-checked by the core codec. */
function roomConfigJson(json: string): JsonObject {
  const parsed = jsonObjectFlag(json, "--room-config", "a JSON object", CMD);
  try {
    return parseGrants({ roomConfig: parsed }).roomConfig ?? {};
  } catch {
    throw usageError("--room-config nests too deeply or holds a number JSON cannot carry", CMD);
  }
}

/** lk's --attribute-file: a JSON object of string values, read before the --attribute flags (which win). */
function attributeFile(path: string, readFile: (path: string) => string): Record<string, string> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw usageError(`--attribute-file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, CMD);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usageError(`--attribute-file: ${path} is not valid JSON`, CMD);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== "string")) {
    throw usageError(`--attribute-file: ${path} must hold a JSON object of string values`, CMD);
  }
  return parsed as Record<string, string>;
}

/** What building the claims may need from the process: files for --attribute-file, stderr for warnings. */
export interface FlagIo {
  readFile: (path: string) => string;
  warn: (text: string) => void;
}

/** Builds the claims the flags describe. */
function grantsFromFlags(f: Flags, io: FlagIo): ClaimGrants {
  const video: VideoGrant = {};
  if (f.create) video.roomCreate = true;
  if (f.list) video.roomList = true;
  if (f.egress) video.roomRecord = true;
  if (f.admin) video.roomAdmin = true;
  if (f.join) video.roomJoin = true;
  if (f.ingress) video.ingressAdmin = true;
  if (f.room) video.room = f.room;
  const canPublish = triState(f["can-publish"], "can-publish", CMD);
  if (canPublish !== undefined) video.canPublish = canPublish;
  const canSubscribe = triState(f["can-subscribe"], "can-subscribe", CMD);
  if (canSubscribe !== undefined) video.canSubscribe = canSubscribe;
  const canPublishData = triState(f["can-publish-data"], "can-publish-data", CMD);
  if (canPublishData !== undefined) video.canPublishData = canPublishData;
  // lk's string-slice flags also split on commas: --allow-source camera,microphone.
  const sources = (f["allow-source"] ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
  if (sources.length > 0) video.canPublishSources = checkSources(sources);
  if (f["allow-update-metadata"]) video.canUpdateOwnMetadata = true;
  if (f.hidden) video.hidden = true;

  const g: ClaimGrants = {};
  if (f.identity) g.identity = f.identity;
  // lk names the participant after its identity when no name is given.
  const name = f.name ?? f.identity;
  if (name) g.name = name;
  if (f.kind !== undefined) {
    // Read in any case, written in lowercase as LiveKit writes it.
    const kind = readParticipantKind(f.kind);
    if (!kind) throw usageError(`invalid kind: ${f.kind} (one of ${PARTICIPANT_KINDS.join(", ")})`, CMD);
    g.kind = kind;
  }
  g.video = f.grant === undefined ? video : mergeGrantJson(video, f.grant, io.warn);
  if (f["sip-admin"] || f["sip-call"]) g.sip = { ...(f["sip-admin"] ? { admin: true } : {}), ...(f["sip-call"] ? { call: true } : {}) };
  if (f.inference) g.inference = { perform: true };
  if (f.metadata) g.metadata = f.metadata;
  const attrs = {
    ...(f["attribute-file"] !== undefined ? attributeFile(f["attribute-file"], io.readFile) : {}),
    ...(f.attribute && f.attribute.length > 0 ? parseAttributes(f.attribute, CMD) : {}),
  };
  if (Object.keys(attrs).length > 0) g.attributes = attrs;
  if (f["room-config"] !== undefined) g.roomConfig = roomConfigJson(f["room-config"]);
  // lk's agent dispatch: a room configuration that sends the named agent a job when the room starts.
  if (f["job-metadata"] !== undefined && f.agent === undefined) throw usageError("--job-metadata needs --agent", CMD);
  if (f.agent !== undefined) {
    if (!f.agent) throw usageError("--agent is empty", CMD);
    g.roomConfig = { ...g.roomConfig, agents: [{ agentName: f.agent, ...(f["job-metadata"] ? { metadata: f["job-metadata"] } : {}) }] };
  }
  return g;
}

function checkShape(f: Flags, g: ClaimGrants): void {
  if (f.json && f["token-only"]) throw usageError("--json and --token-only are mutually exclusive", CMD);
  const v = g.video ?? {};
  const any = f.create || f.list || f.join || f.admin || f.egress || f.ingress || f.inference || f["sip-admin"] || f["sip-call"] || f.grant !== undefined;
  if (!any) throw usageError("specify permissions via flags (e.g. --join, --admin, --create) or --grant", CMD);
  // Unlike lk, nothing is invented: the server refuses the same (contract §3, CreateToken).
  if (v.roomJoin && !g.identity) throw usageError("a join grant needs --identity", CMD);
  if ((v.roomJoin || v.roomAdmin) && !v.room) throw usageError("a join or admin grant needs --room", CMD);
}

function print(ctx: CliContext, f: Flags, minted: MintedToken): void {
  const g = minted.grants;
  if (f["token-only"]) {
    ctx.stdout(`${minted.token}\n`);
  } else if (f.json) {
    ctx.stdout(prettyJson({ access_token: minted.token, identity: g.identity ?? "", name: g.name ?? "", room: g.video?.room ?? "", grants: grantsJson(g) }));
  } else {
    ctx.stdout(`Token grants:\n${prettyJson(grantsJson(g))}\nAccess token: ${minted.token}\n`);
  }
}

/** `roomgate token create`: mints a token locally (like `lk token create`) or through a server with --server. */
export async function runTokenCreate(args: string[], ctx: CliContext): Promise<number> {
  const { values: f } = parseFlags(args, OPTIONS, CMD);
  if (f.help) {
    ctx.stdout(TOKEN_CREATE_HELP);
    return 0;
  }
  const warn = (text: string) => ctx.stderr(`roomgate: warning: ${text}\n`);
  const grants = grantsFromFlags(f, { readFile: ctx.readFile, warn });
  checkShape(f, grants);
  const ttlSeconds = validForSeconds(f["valid-for"], CMD);

  let minted: MintedToken;
  if (f.server !== undefined) {
    if (f["api-secret"] !== undefined) throw usageError("--api-secret is not used with --server (the server holds the secrets)", CMD);
    const credential = f.credential ?? ctx.env.ROOMGATE_CREDENTIAL;
    if (!credential) throw usageError("missing client credential: pass --credential or set ROOMGATE_CREDENTIAL", CMD);
    const remote = await remoteService(ctx, f.server, CMD);
    try {
      minted = await remote.createToken({ grants, ttlSeconds, apiKey: f["api-key"] ?? "" }, credential);
    } finally {
      remote.close();
    }
    const granted = minted.expiresAt - minted.notBefore;
    if (granted < ttlSeconds) warn(`the server cut the lifetime to ${granted}s (its max_ttl or the client's policy); asked for ${ttlSeconds}s`);
    // lk's line, on stderr so that stdout stays the token or the JSON.
    ctx.stderr(`valid for (mins): ${Math.floor(granted / 60)}\n`);
  } else {
    if (f.credential !== undefined) throw usageError("--credential is only used with --server", CMD);
    const { apiKey, apiSecret } = localCredentials(f, ctx, CMD);
    // lk does not cap the lifetime; the requested ttl is both the default and the cap.
    minted = mintToken(createHmacKey(apiKey, apiSecret), { grants, ttlSeconds }, nowSeconds(ctx.clock), {
      defaultTtlSeconds: ttlSeconds,
      maxTtlSeconds: ttlSeconds,
    });
  }
  print(ctx, f, minted);
  return 0;
}
