import { parseFlags } from "../args.js";
import { usageError, type CliContext } from "../context.js";
import { prettyJson } from "../format.js";
import { PARTICIPANT_JOIN_HELP } from "./help.js";
import { participantServer } from "./connect.js";
import { isoTime, participantDetail, participantJson } from "./format.js";
import { remoteParticipantService } from "./remote.js";

const CMD = "participant join";

const OPTIONS = {
  url: { type: "string" },
  server: { type: "string" },
  json: { type: "boolean", short: "j" },
  "token-only": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * `roomgate participant join TOKEN`: what a media server does when a client
 * connects (JoinRoom); the participant's token is the only credential.
 */
export async function runParticipantJoin(args: string[], ctx: CliContext): Promise<number> {
  const { values: f, positionals } = parseFlags(args, OPTIONS, CMD, 1);
  if (f.help) {
    ctx.stdout(PARTICIPANT_JOIN_HELP);
    return 0;
  }
  const token = positionals[0];
  if (!token) throw usageError("missing TOKEN (the participant's join token)", CMD);
  if (f.json && f["token-only"]) throw usageError("--json and --token-only are mutually exclusive", CMD);
  const address = participantServer(f, ctx, CMD);
  const remote = remoteParticipantService(await ctx.connect({ address }), token);
  try {
    const joined = await remote.join(token);
    if (f["token-only"]) ctx.stdout(`${joined.token}\n`);
    else if (f.json) {
      const expiresAt = joined.expiresAt === undefined ? null : isoTime(joined.expiresAt * 1000);
      ctx.stdout(prettyJson({ participant: participantJson(joined.participant), token: joined.token, expiresAt }));
    } else ctx.stdout(`${participantDetail(joined.participant)}\nToken:      ${joined.token}\n`);
  } finally {
    remote.close();
  }
  return 0;
}
