import { usageError } from "../context.js";

// Go's time.ParseDuration units, in nanoseconds.
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Parses what Go's time.ParseDuration accepts (lk's --valid-for): an optional
 * sign, then one or more decimal numbers each with a unit (ns, us, µs, ms, s,
 * m, h), e.g. `1h30m`, `1.5h`, `-2m`; a bare `0` is zero. Returns nanoseconds,
 * or undefined for anything else (`1d`, `10`, `h`).
 */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([-+]?)(.*)$/s.exec(text)!;
  const sign = m[1] === "-" ? -1 : 1;
  const body = m[2]!;
  if (body === "0") return 0;
  if (body === "") return undefined;
  const part = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (!p) return undefined;
    const [whole, int, frac] = [p[0], p[1]!, p[2]];
    if (int === "" && (frac === undefined || frac === "")) return undefined;
    total += Number(`${int || "0"}.${frac || "0"}`) * UNIT_NS[p[3]!]!;
    at += whole.length;
  }
  return sign * total;
}

/** `--valid-for` in whole seconds: a Go duration of at least one second. */
export function validForSeconds(text: string, command: string): number {
  const ns = parseGoDuration(text);
  if (ns === undefined) throw usageError(`--valid-for: "${text}" is not a duration like 1h, 90m, 1h30m or 1.5h (units ns, us, ms, s, m, h)`, command);
  if (ns <= 0) throw usageError(`--valid-for must be positive (got "${text}")`, command);
  if (ns < 1e9) throw usageError("--valid-for must be at least 1s", command);
  return Math.floor(ns / 1e9);
}
