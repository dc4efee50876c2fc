import { hostOf } from "../transport/host-port.js";
import { usageError } from "./context.js";

/**
 * Checks a server address: `HOST:PORT` of the gRPC port, or an `http(s)://`
 * URL of the Twirp port (`ws(s)://` is read as `http(s)://`, as lk reads
 * LIVEKIT_URL). `source` names where it came from (a flag or an env variable).
 */
export function serverAddress(value: string, command: string, source: string): string {
  const url = /^(wss?|https?):\/\//i.exec(value);
  if (url) {
    const http = value.replace(/^ws/i, "http");
    let parsed: URL;
    try {
      parsed = new URL(http);
    } catch {
      throw usageError(`${source} is not a valid URL (got "${value}")`, command);
    }
    if (parsed.search || parsed.hash || parsed.username || parsed.password) throw usageError(`${source} must be a plain http(s)://HOST:PORT URL (got "${value}")`, command);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
  }
  if (hostOf(value) === undefined) throw usageError(`${source} must be HOST:PORT (gRPC) or an http(s):// URL (Twirp) (got "${value}")`, command);
  return value;
}
