import { hostOf } from "../transport/host-port.js";
import { CliError, usageError, type CliContext, type RemoteTokenService } from "./context.js";

/** API key and secret from the flags, else LIVEKIT_API_KEY/LIVEKIT_API_SECRET (as lk reads them). */
export function localCredentials(flags: { "api-key"?: string; "api-secret"?: string }, ctx: CliContext): { apiKey: string; apiSecret: string } {
  const apiKey = flags["api-key"] || ctx.env.LIVEKIT_API_KEY;
  const apiSecret = flags["api-secret"] || ctx.env.LIVEKIT_API_SECRET;
  if (!apiKey || !apiSecret) {
    throw new CliError("missing API key or secret: pass --api-key and --api-secret, or set LIVEKIT_API_KEY and LIVEKIT_API_SECRET");
  }
  return { apiKey, apiSecret };
}

/** Refuses a server address that is not HOST:PORT; `source` names where it came from (a flag or an env variable). */
export function checkServerAddress(address: string, command: string, source = "--server"): void {
  if (hostOf(address) === undefined) throw usageError(`${source} must be HOST:PORT (got "${address}")`, command);
}

/** Connects to the server named by --server, or explains why it cannot. */
export async function remoteService(ctx: CliContext, address: string, command: string): Promise<RemoteTokenService> {
  checkServerAddress(address, command);
  if (!ctx.connectTokenService) throw new CliError("--server is not available in this build: no gRPC client is wired in");
  return ctx.connectTokenService(address);
}
