/** What a handler learns about a call besides its request message. */
export interface CallContext {
  /** The credential from `authorization: Bearer <credential>`, if any. */
  credential?: string;
  /** Fires when the caller goes away or the server shuts down. */
  signal: AbortSignal;
}

/**
 * A server stream that can wake the transport while it waits on a slow reader:
 * when `interrupted` fires, the transport stops waiting and asks the stream for its
 * next step at once (which is how a stream ends promptly, e.g. on revocation).
 */
export interface InterruptibleStream<T> extends AsyncIterable<T> {
  readonly interrupted: AbortSignal;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Extracts the bearer credential from an authorization header value. */
export function bearerCredential(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return BEARER.exec(header)?.[1];
}
