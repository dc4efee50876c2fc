import { CliError, type CliContext } from "./context.js";

/**
 * `roomgate participant …`: the dispatch point for the participant
 * subcommands, which are being written separately; replace this body.
 */
export async function runParticipant(args: string[], ctx: CliContext): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    ctx.stdout("Usage: roomgate participant <subcommand> [flags]\n\nParticipant subcommands are not available yet.\n");
    return 0;
  }
  throw new CliError("participant subcommands are not available yet", 2);
}
