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

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// Field names whose values are credentials; redacted whatever a caller passes.
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

/** Creates a logger that writes one JSON object per line to `write`. */
export function createLogger(opts: { level: LogLevel; write: (line: string) => void; now: () => number }, base: LogFields = {}): Logger {
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < RANK[opts.level]) return;
    const line = { time: new Date(opts.now()).toISOString(), level, msg: scrub(msg), ...(scrub({ ...base, ...fields }) as LogFields) };
    opts.write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
