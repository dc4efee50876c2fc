import { Code, RoomgateError } from "./errors.js";

/** How UNAVAILABLE is retried: attempts in all (1 = no retry) and exponential backoff with jitter. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 4). */
  attempts: number;
  /** The first pause (default 100 ms); each later one doubles. */
  initialBackoffMs: number;
  /** The longest pause (default 2 s). */
  maxBackoffMs: number;
}

/** The default retry policy. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialBackoffMs: 100, maxBackoffMs: 2000 };

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    };
    const abort = () => {
      done();
      reject(new RoomgateError(Code.CANCELLED, "cancelled", "call cancelled"));
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with anything but UNAVAILABLE (or with wrong_protocol), runs
 * out of attempts, or the next pause would pass the deadline; the last failure is thrown.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, deadline: number | undefined, signal: AbortSignal | undefined): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      // A gRPC address that is an HTTP/1.1 port stays one: only a server that may come back is worth another try.
      if (!(err instanceof RoomgateError) || err.code !== Code.UNAVAILABLE || err.reason === "wrong_protocol" || n >= policy.attempts) throw err;
      const backoff = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (n - 1));
      const wait = backoff / 2 + Math.random() * (backoff / 2);
      if (deadline !== undefined && Date.now() + wait >= deadline) throw err;
      await pause(wait, signal);
    }
  }
}
