import { latencyHistogram, nowNs, percentileMs } from "./stats.js";

/** The size of one closed-loop run: `concurrency` callers, each waiting for its reply before the next call. */
export interface LoadJob {
  concurrency: number;
  /** Stop after this many calls... */
  total: number;
  /** ...or after this long, whichever comes first. */
  maxMs: number;
}

/** What one run measured (latencies in milliseconds). */
export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  firstError?: string;
}

/** Runs one closed-loop job and returns its throughput and latency percentiles. */
export async function runLoad(job: LoadJob, call: () => Promise<unknown>): Promise<LoadResult> {
  const h = latencyHistogram();
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const t0 = nowNs();
  const deadline = t0 + job.maxMs * 1e6;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (sent < job.total && nowNs() < deadline) {
        sent++;
        const s = nowNs();
        try {
          await call();
          ok++;
        } catch (err) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
        h.record(Math.max(1, Math.round(nowNs() - s)));
      }
    }),
  );
  const seconds = (nowNs() - t0) / 1e9;
  return { ok, failed, seconds, rps: ok / seconds, p50: percentileMs(h, 50), p99: percentileMs(h, 99), ...(firstError && { firstError }) };
}
