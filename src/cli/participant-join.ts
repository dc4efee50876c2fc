import { parseFlags } from "./args.js";
import { CliError, usageError, type CliContext } from "./context.js";
import { prettyJson } from "./format.js";
import { PARTICIPANT_JOIN_HELP } from "./help.js";
import { DEFAULT_SERVER } from "./participant-connect.js";
import { participantDetail, participantJson } from "./participant-format.js";
import { checkServerAddress } from "./token-credentials.js";

const CMD = "participant join";

const OPTIONS = {
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
  const fromEnv = f.server === undefined && !!ctx.env.ROOMGATE_SERVER;
  const address = f.server ?? (ctx.env.ROOMGATE_SERVER || DEFAULT_SERVER);
  checkServerAddress(address, CMD, fromEnv ? "ROOMGATE_SERVER" : "--server");
  if (!ctx.connectParticipantService) throw new CliError("participant commands are not available in this build: no gRPC client is wired in");
  const remote = await ctx.connectParticipantService(address, token);
  try {
    const joined = await remote.join(token);
    if (f["token-only"]) ctx.stdout(`${joined.token}\n`);
    else if (f.json) {
      const expiresAt = joined.expiresAt === undefined ? null : new Date(joined.expiresAt * 1000).toISOString();
      ctx.stdout(prettyJson({ participant: participantJson(joined.participant), token: joined.token, expires_at: expiresAt }));
    } else ctx.stdout(`${participantDetail(joined.participant)}\nToken:      ${joined.token}\n`);
  } finally {
    remote.close();
  }
  return 0;
}
