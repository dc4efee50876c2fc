import { pino, type DestinationStream } from "pino";

/** Log levels in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured fields of one log line. */
export type LogFields = Record<string, unknown>;

/** A JSON-lines logger. Callers pass fields, never tokens or secrets. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Field names whose values are credentials, as pino `redact` paths: at the top level and one level down. */
const SECRET_FIELDS = [
  "token", "secret", "apiSecret", "api_secret", "authorization", "credential", "password", "accessToken", "access_token",
] as const;
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]);

// Deeper or differently cased secret fields, and token-shaped strings anywhere, are scrubbed before pino sees them.
const SECRET_FIELD = /^(token|secret|api_?secret|authorization|credential|password|access_?token)$/i;
// Anything shaped like a compact JWS, wherever it appears in a string.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(JWT_LIKE, "[redacted-token]");
  if (value instanceof Error) return { name: value.name, message: scrub(value.message), ...(value.stack ? { stack: scrub(value.stack) } : {}) };
  if (typeof value !== "object" || value === null || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) ? "[redacted]" : scrub(v, depth + 1);
  return out;
}

/** Where log lines go: a function per line (tests, captured stderr) or a file descriptor written synchronously (serve: fd 2). */
export type LogDestination = { write: (line: string) => void } | { fd: number };

function wrap(p: pino.Logger): Logger {
  // The level is checked before scrubbing: a filtered-out debug line costs nothing.
  const at = (level: LogLevel) => (m: string, f?: LogFields): void => {
    if (p.isLevelEnabled(level)) p[level](f ? (scrub(f) as object) : {}, scrub(m) as string);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: (fields) => wrap(p.child(scrub(fields) as pino.Bindings)) };
}

/**
 * Creates a pino logger that writes one JSON object per line (`time`, `level`
 * as a name, `msg`, fields). Secret-named fields are redacted and token-shaped
 * strings replaced, whatever a caller passes. With `fd`, lines are written
 * synchronously, so a line logged just before exit is not lost.
 */
export function createLogger(opts: { level: LogLevel; now: () => number } & LogDestination, base: LogFields = {}): Logger {
  const dest: DestinationStream = "fd" in opts ? pino.destination({ fd: opts.fd, sync: true }) : { write: (s: string) => opts.write(s) };
  const p = pino(
    {
      level: opts.level,
      base: null,
      timestamp: () => `,"time":"${new Date(opts.now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    dest,
  );
  return wrap(Object.keys(base).length > 0 ? p.child(scrub(base) as pino.Bindings) : p);
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
