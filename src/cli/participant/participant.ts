import { usageError, type CliContext } from "../context.js";
import { PARTICIPANT_HELP } from "./help.js";
import { runParticipantGet, runParticipantList, runParticipantRemove } from "./commands.js";
import { runParticipantJoin } from "./join.js";
import { runParticipantUpdate } from "./update.js";
import { runParticipantWatch } from "./watch.js";

const SUBCOMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  join: runParticipantJoin,
  list: runParticipantList,
  get: runParticipantGet,
  update: runParticipantUpdate,
  remove: runParticipantRemove,
  watch: runParticipantWatch,
};

const NAMES = "join, list, get, update, remove or watch";

/**
 * `roomgate participant <join|list|get|update|remove|watch>` against a running
 * roomgate. A refusal prints `roomgate: <reason>: <message>` and exits 1.
 */
export async function runParticipant(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    ctx.stdout(PARTICIPANT_HELP);
    return 0;
  }
  if (sub === undefined) throw usageError(`missing subcommand: ${NAMES}`, "participant");
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (!run) throw usageError(`unknown subcommand "${sub}" (${NAMES})`, "participant");
  return run(rest, ctx);
}
