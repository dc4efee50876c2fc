import { ConfigError } from "../config/config-error.js";
import { RoomgateError } from "../core/errors.js";
import { KeyConfigError } from "../core/keys.js";
import { RoomgateError as ClientError } from "../client/errors.js";
import { CliError, usageError, type CliContext } from "./context.js";
import { MAIN_HELP } from "./help.js";
import { runParticipant } from "./participant/participant.js";
import { runServe, serveLogger } from "./serve/serve.js";
import { runToken } from "./token/token.js";

/** A command: its arguments after the command name, the context, and the exit code it ends with. */
export type Command = (args: string[], ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: runServe,
  token: runToken,
  participant: runParticipant,
};

async function dispatch(argv: string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.stderr(MAIN_HELP);
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    ctx.stdout(MAIN_HELP);
    return 0;
  }
  if (first === "--version" || first === "-v" || first === "version") {
    ctx.stdout(`roomgate ${ctx.version}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) throw usageError(first.startsWith("-") ? `unknown flag ${first}` : `unknown command "${first}"`, "");
  return command(rest, ctx);
}

/** A failure as printed: a stable reason, the message, the exit code; errors of ours are written to never hold a secret or a token. */
function describe(err: unknown): { reason: string; message: string; code: number; hint?: string } {
  if (err instanceof CliError) {
    const hint = err.command === undefined ? undefined : `Run 'roomgate ${err.command ? `${err.command} ` : ""}--help' for usage.`;
    return { reason: err.reason, message: err.message, code: err.exitCode, ...(hint ? { hint } : {}) };
  }
  if (err instanceof ConfigError) return { reason: "config_invalid", message: err.message, code: 1 };
  if (err instanceof KeyConfigError) return { reason: "key_invalid", message: err.message, code: 1 };
  // The server's reason (or the local verifier's) is the stable, scriptable part, so it leads the message.
  if (err instanceof RoomgateError || err instanceof ClientError) return { reason: err.reason, message: err.message, code: 1 };
  return { reason: "internal", message: `internal error: ${err instanceof Error ? err.message : String(err)}`, code: 1 };
}

/**
 * Runs the roomgate command line with injected process facilities and
 * returns the exit code: 0 success, 1 failure, 2 usage error.
 */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    const { reason, message, code, hint } = describe(err);
    // serve's stderr is its JSON log, start-up failures included (contract §15).
    if (argv[0] === "serve") serveLogger(ctx, "error").error(message, { reason, ...(hint && { hint }) });
    else ctx.stderr(`roomgate: ${reason}: ${message}\n${hint ? `${hint}\n` : ""}`);
    return code;
  }
}
