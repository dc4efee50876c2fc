/** Splits "host:port" (IPv6 as "[::1]:port") into its parts; throws on anything else. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new TypeError(`address "${addr}" is not HOST:PORT`);
  return { host: m[1] ?? m[2] ?? "", port };
}

/** Whether a host names the loopback interface. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
