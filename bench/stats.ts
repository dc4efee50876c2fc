import { createHistogram, type RecordableHistogram } from "node:perf_hooks";

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Latency recorder in nanoseconds (an HDR histogram, so memory stays flat under load). */
export function latencyHistogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: 60e9, figures: 3 });
}

/** A percentile of a histogram, in milliseconds. */
export function percentileMs(h: RecordableHistogram, q: number): number {
  return h.count === 0 ? Number.NaN : h.percentile(q) / 1e6;
}

/** Nanoseconds since an arbitrary origin, as a number (fine for intervals below 100 days). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Operations per second, rounded, with thousands separators ("234,512"). */
export function fmtRate(opsPerSec: number): string {
  return Number.isFinite(opsPerSec) ? Math.round(opsPerSec).toLocaleString("en-US") : "n/a";
}

/** A ratio as "4.21×". */
export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "n/a";
}

/** A fraction as a percentage ("87 %"). */
export function fmtPct(r: number): string {
  return Number.isFinite(r) ? `${Math.round(r * 100)} %` : "n/a";
}

/** Milliseconds with two decimals. */
export function fmtMs(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(2) : "n/a";
}

/** A markdown table from a header row and body rows. */
export function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** "met" or "NOT met" for a target check. */
export function verdict(ok: boolean): string {
  return ok ? "met" : "**NOT met**";
}
