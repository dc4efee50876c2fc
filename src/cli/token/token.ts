import { usageError, type CliContext } from "../context.js";
import { TOKEN_HELP } from "./help.js";
import { runTokenCreate } from "./create.js";
import { runTokenDecode, runTokenVerify } from "./inspect.js";

const SUBCOMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  create: runTokenCreate,
  verify: runTokenVerify,
  decode: runTokenDecode,
};

/** `roomgate token <create|verify|decode>`. */
export async function runToken(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    ctx.stdout(TOKEN_HELP);
    return 0;
  }
  if (sub === undefined) throw usageError("missing subcommand: create, verify or decode", "token");
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (!run) throw usageError(`unknown subcommand "${sub}" (create, verify or decode)`, "token");
  return run(rest, ctx);
}
