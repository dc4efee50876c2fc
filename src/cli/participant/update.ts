import { parseAttributes, parseFlags, type Parsed } from "../args.js";
import { usageError, type CliContext, type ParticipantUpdateRequest } from "../context.js";
import { prettyJson } from "../format.js";
import { PARTICIPANT_UPDATE_HELP } from "./help.js";
import { CONNECTION_OPTIONS, requireIdentity, requireRoom, withParticipants } from "./connect.js";
import { participantDetail, participantJson } from "./format.js";
import { hasPermissionFlags, parsePermissionJson, permissionFromFlags } from "./permission.js";
import { permissionWarning } from "./permission-changes.js";

const CMD = "participant update";

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  identity: { type: "string", short: "i" },
  name: { type: "string", short: "n" },
  metadata: { type: "string" },
  attribute: { type: "string", multiple: true },
  permission: { type: "string" },
  // lk spells it --permissions; accepted so its command lines paste over.
  permissions: { type: "string" },
  "can-publish": { type: "string" },
  "can-subscribe": { type: "string" },
  "can-publish-data": { type: "string" },
  "allow-source": { type: "string", multiple: true },
  json: { type: "boolean", short: "j" },
} as const;

type Flags = Parsed<typeof OPTIONS>["values"];

/** The UpdateParticipant request the flags describe. */
function updateFromFlags(f: Flags, room: string, identity: string): ParticipantUpdateRequest {
  if (f.permission !== undefined && f.permissions !== undefined) throw usageError("--permission is given twice (--permission and --permissions)", CMD);
  const json = f.permission ?? f.permissions;
  if (json !== undefined && hasPermissionFlags(f)) {
    throw usageError("--permission and --can-publish/--can-subscribe/--can-publish-data/--allow-source are mutually exclusive", CMD);
  }
  const req: ParticipantUpdateRequest = { room, identity, name: f.name ?? "", metadata: f.metadata ?? "", attributes: parseAttributes(f.attribute ?? [], CMD) };
  if (json !== undefined) req.permission = parsePermissionJson(json, CMD);
  else if (hasPermissionFlags(f)) req.permission = permissionFromFlags(f, CMD);
  if (!req.name && !req.metadata && Object.keys(req.attributes).length === 0 && !req.permission) {
    throw usageError("nothing to update: pass --name, --metadata, --attribute, --permission or a --can-* / --allow-source flag", CMD);
  }
  return req;
}

/**
 * `roomgate participant update`: LiveKit's UpdateParticipant; prints the
 * participant after the change. With the convenience permission flags it
 * first reads the current permission and warns about every field the new
 * set turns off or widens unasked; the update still goes through.
 */
export async function runParticipantUpdate(args: string[], ctx: CliContext): Promise<number> {
  const { values: f, positionals } = parseFlags(args, OPTIONS, CMD, 1);
  if (f.help) {
    ctx.stdout(PARTICIPANT_UPDATE_HELP);
    return 0;
  }
  const room = requireRoom(f.room, undefined, CMD);
  const identity = requireIdentity(f.identity, positionals[0], CMD);
  const req = updateFromFlags(f, room, identity);
  const p = await withParticipants(f, room, ctx, CMD, async (remote) => {
    if (req.permission && hasPermissionFlags(f)) {
      const current = await remote.get(room, identity);
      ctx.stderr(permissionWarning(identity, current.permission, req.permission, f));
    }
    return remote.update(req);
  });
  ctx.stdout(f.json ? prettyJson(participantJson(p)) : participantDetail(p));
  return 0;
}
