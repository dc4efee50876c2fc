import { isIP } from "node:net";
import type { LogLevel } from "../log.js";
import { ConfigError } from "./config-error.js";

const LEVELS: readonly string[] = ["debug", "info", "warn", "error"];

/** Whether a string names a log level. */
export function isLogLevel(s: string): s is LogLevel {
  return LEVELS.includes(s);
}

/** A listen address split into host and port. */
export interface ListenAddress {
  /** Host without IPv6 brackets. */
  host: string;
  port: number;
}

/** Parses "host:port" or "[v6]:port"; `origin` (e.g. "--grpc-addr") names where it came from in errors. */
export function parseListenAddress(addr: string, origin: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(addr.trim());
  const host = m?.[1] ?? m?.[2];
  const port = m ? Number(m[3]) : NaN;
  if (!m || !host || port > 65535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new ConfigError(`${origin}: "${addr}" is not a HOST:PORT address (port 0-65535; IPv6 as [::1]:PORT)`);
  }
  return { host, port };
}

/** Whether a host is a loopback name or address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}
