/**
 * Bytes of stream responses handed to HTTP/2 and not yet sent, over all streams of a
 * process. A client that never reads keeps the one message it was handed (grpc-js
 * frames a private copy per stream), so this is what stalled streams cost; once it
 * reaches its limit, new streams are refused rather than memory growing with them.
 */
export interface SendBudget {
  /** Counts `bytes` as pending until the returned release is called (calling it again is harmless). */
  hold(bytes: number): () => void;
  /** Bytes pending now. */
  readonly pending: number;
  /** Whether the pending bytes have reached the limit. */
  readonly exhausted: boolean;
}

/** Creates an empty budget of `limitBytes`. */
export function createSendBudget(limitBytes: number): SendBudget {
  let pending = 0;
  return {
    hold(bytes) {
      pending += bytes;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        pending -= bytes;
      };
    },
    get pending() {
      return pending;
    },
    get exhausted() {
      return pending >= limitBytes;
    },
  };
}
