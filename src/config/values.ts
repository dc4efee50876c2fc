import type { LogLevel } from "../log.js";

const LEVELS: readonly string[] = ["debug", "info", "warn", "error"];

/** Whether a string names a log level. */
export function isLogLevel(s: string): s is LogLevel {
  return LEVELS.includes(s);
}
