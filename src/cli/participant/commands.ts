import { parseFlags } from "../args.js";
import type { CliContext } from "../context.js";
import { prettyJson } from "../format.js";
import { PARTICIPANT_GET_HELP, PARTICIPANT_LIST_HELP, PARTICIPANT_REMOVE_HELP } from "./help.js";
import { CONNECTION_OPTIONS, requireIdentity, requireRoom, withParticipants } from "./connect.js";
import { participantDetail, participantJson, participantTable } from "./format.js";

const LIST_OPTIONS = { ...CONNECTION_OPTIONS, json: { type: "boolean", short: "j" } } as const;

/** `roomgate participant list --room R` (or lk's `list ROOM`): the room's active participants. */
export async function runParticipantList(args: string[], ctx: CliContext): Promise<number> {
  const cmd = "participant list";
  const { values: f, positionals } = parseFlags(args, LIST_OPTIONS, cmd, 1);
  if (f.help) {
    ctx.stdout(PARTICIPANT_LIST_HELP);
    return 0;
  }
  const room = requireRoom(f.room, positionals[0], cmd);
  const list = await withParticipants(f, room, ctx, cmd, (remote) => remote.list(room));
  if (f.json) ctx.stdout(prettyJson({ participants: list.map(participantJson) }));
  else if (list.length === 0) ctx.stdout(`No active participants in room "${room}".\n`);
  else ctx.stdout(participantTable(list));
  return 0;
}

const GET_OPTIONS = { ...CONNECTION_OPTIONS, identity: { type: "string", short: "i" }, json: { type: "boolean", short: "j" } } as const;

/** `roomgate participant get --room R --identity ID`: one participant, active or removed. */
export async function runParticipantGet(args: string[], ctx: CliContext): Promise<number> {
  const cmd = "participant get";
  const { values: f, positionals } = parseFlags(args, GET_OPTIONS, cmd, 1);
  if (f.help) {
    ctx.stdout(PARTICIPANT_GET_HELP);
    return 0;
  }
  const room = requireRoom(f.room, undefined, cmd);
  const identity = requireIdentity(f.identity, positionals[0], cmd);
  const p = await withParticipants(f, room, ctx, cmd, (remote) => remote.get(room, identity));
  ctx.stdout(f.json ? prettyJson(participantJson(p)) : participantDetail(p));
  return 0;
}

const REMOVE_OPTIONS = { ...CONNECTION_OPTIONS, identity: { type: "string", short: "i" }, "revoke-tokens": { type: "boolean" } } as const;

/** `roomgate participant remove --room R --identity ID [--revoke-tokens]`. */
export async function runParticipantRemove(args: string[], ctx: CliContext): Promise<number> {
  const cmd = "participant remove";
  const { values: f, positionals } = parseFlags(args, REMOVE_OPTIONS, cmd, 1);
  if (f.help) {
    ctx.stdout(PARTICIPANT_REMOVE_HELP);
    return 0;
  }
  const room = requireRoom(f.room, undefined, cmd);
  const identity = requireIdentity(f.identity, positionals[0], cmd);
  const revoke = f["revoke-tokens"] === true;
  await withParticipants(f, room, ctx, cmd, (remote) => remote.remove(room, identity, revoke));
  ctx.stdout(`Removed ${JSON.stringify(identity)} from room ${JSON.stringify(room)}${revoke ? "; its tokens issued until now are revoked" : ""}.\n`);
  return 0;
}
