/** Whether a handler's answer is a promise to wait for rather than the answer itself (handlers may answer synchronously). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

