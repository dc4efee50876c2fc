import { isIP } from "node:net";

/** An address split into host and port. */
export interface HostPort {
  /** Host without IPv6 brackets; empty for ":PORT" (every interface, as Go's net.SplitHostPort allows). */
  host: string;
  port: number;
}

/**
 * Splits "host:port" (IPv6 as "[::1]:port") into its parts; throws a TypeError
 * on anything else: an unbracketed IPv6 address, a port above 65535,
 * whitespace, or brackets around something that is not an IPv6 address.
 */
export function splitHostPort(addr: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new TypeError(`address "${addr}" is not HOST:PORT (port 0-65535; IPv6 as [::1]:PORT)`);
  }
  return { host: m[1] ?? m[2] ?? "", port };
}

/**
 * The host of a HOST:PORT address, or undefined when `addr` is not one or its
 * host is empty: an address to listen on or dial must say which host.
 */
export function hostOf(addr: string): string | undefined {
  try {
    return splitHostPort(addr).host || undefined;
  } catch {
    return undefined;
  }
}

/** Whether a host names the loopback interface: localhost (any case), 127.0.0.0/8 or ::1, bracketed or not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  // Every spelling of ::1 (0:0:0:0:0:0:0:1, ::0001) ends in 1 after only zero groups.
  return isIP(h) === 6 && /^[0:]*:0*1$/.test(h);
}
