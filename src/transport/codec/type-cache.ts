import type { DescMessage } from "@bufbuild/protobuf";

/**
 * Memoises a per-message-type compiler whose output refers to its field
 * types. A type asked for while it is still compiling (a recursive type) gets
 * `forward`'s stand-in, which calls the finished result once it exists.
 */
export function typeCache<T>(compile: (desc: DescMessage, get: (d: DescMessage) => T) => T, forward: (finished: () => T) => T): (desc: DescMessage) => T {
  const cache = new Map<DescMessage, T>();
  const get = (desc: DescMessage): T => {
    let done = cache.get(desc);
    if (done === undefined) {
      let compiled: T | undefined;
      cache.set(desc, forward(() => compiled!));
      compiled = compile(desc, get);
      cache.set(desc, compiled);
      done = compiled;
    }
    return done;
  };
  return get;
}
