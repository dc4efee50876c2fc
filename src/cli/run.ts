import { ConfigError } from "../config/config-error.js";
import { RoomgateError } from "../core/errors.js";
import { KeyConfigError } from "../core/keys.js";
import { CliError, RemoteCallError, usageError, type CliContext } from "./context.js";
import { MAIN_HELP } from "./help.js";
import { runParticipant } from "./participant.js";
import { runServe } from "./serve.js";
import { runToken } from "./token.js";

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

/** The message printed for a failure; errors of ours are written to never hold a secret or a token. */
function describe(err: unknown): { message: string; code: number; hint?: string } {
  if (err instanceof CliError) {
    const hint = err.command === undefined ? undefined : `Run 'roomgate ${err.command ? `${err.command} ` : ""}--help' for usage.`;
    return { message: err.message, code: err.exitCode, ...(hint ? { hint } : {}) };
  }
  if (err instanceof ConfigError || err instanceof KeyConfigError) return { message: err.message, code: 1 };
  if (err instanceof RoomgateError) return { message: `${err.reason}: ${err.message}`, code: 1 };
  // The server's reason is the stable, scriptable part, so it leads the message.
  if (err instanceof RemoteCallError) return { message: `${err.reason ? `${err.reason}: ` : ""}${err.message}`, code: 1 };
  return { message: `internal error: ${err instanceof Error ? err.message : String(err)}`, code: 1 };
}

/**
 * Runs the roomgate command line with injected process facilities and
 * returns the exit code: 0 success, 1 failure, 2 usage error.
 */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    const { message, code, hint } = describe(err);
    ctx.stderr(`roomgate: ${message}\n${hint ? `${hint}\n` : ""}`);
    return code;
  }
}
