import { parseArgs, type ParseArgsConfig } from "node:util";
import { usageError } from "./context.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags and positionals, typed from the option table. */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true; args: string[] }>>;

// Flag names only: a mistyped flag's value may be a secret, so it is never echoed.
function flagOf(message: string): string | undefined {
  return /'(?:-\w, )?(--?[^'=\s,]+)/.exec(message)?.[1];
}

/** A flag's value read as one JSON object; anything else is a usage error: "FLAG is not valid JSON" or "FLAG must be SHAPE". */
export function jsonObjectFlag(json: string, flag: string, shape: string, command: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw usageError(`${flag} is not valid JSON`, command);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw usageError(`${flag} must be ${shape}`, command);
  return parsed as Record<string, unknown>;
}

/**
 * Strict flag parsing for one command. Unknown flags, missing values and
 * stray positionals become usage errors (exit code 2) that name the flag.
 */
export function parseFlags<O extends Options>(args: string[], options: O, command: string, maxPositionals = 0): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = err instanceof Error ? err.message : String(err);
    const flag = flagOf(message);
    switch (code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw usageError(`unknown flag ${flag ?? ""}`.trim(), command);
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
        throw usageError(
          message.includes("does not take an argument") ? `flag ${flag} takes no value` : `flag ${flag} needs a value`,
          command,
        );
      default:
        throw usageError(`invalid arguments${flag ? ` near ${flag}` : ""}`, command);
    }
  }
  if (parsed.positionals.length > maxPositionals) {
    throw usageError(
      maxPositionals === 0 ? "unexpected positional argument" : `expected at most ${maxPositionals} positional argument${maxPositionals > 1 ? "s" : ""}`,
      command,
    );
  }
  return parsed;
}

/** Reads a `true|false` flag value; absent stays undefined so LiveKit's tri-state default applies. */
export function triState(value: string | undefined, flag: string, command: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw usageError(`--${flag} takes true or false`, command);
}

/** Parses repeated `--attribute KEY=VALUE` flags (the value may be empty, which UpdateParticipant reads as "delete"). */
export function parseAttributes(list: readonly string[], command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw usageError(`--attribute must be KEY=VALUE (got "${item}")`, command);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
