import { usageError, type CliContext, type RemoteTokenService } from "../context.js";
import { serverAddress } from "../server-address.js";
import { remoteTokenService } from "./remote.js";

/** API key and secret from the flags, else LIVEKIT_API_KEY/LIVEKIT_API_SECRET (as lk reads them); missing is a usage error. */
export function localCredentials(
  flags: { "api-key"?: string; "api-secret"?: string }, ctx: CliContext, command: string,
): { apiKey: string; apiSecret: string } {
  const apiKey = flags["api-key"] || ctx.env.LIVEKIT_API_KEY;
  const apiSecret = flags["api-secret"] || ctx.env.LIVEKIT_API_SECRET;
  if (!apiKey || !apiSecret) {
    throw usageError(`missing API ${!apiKey ? "key" : "secret"}: pass --api-key and --api-secret, or set LIVEKIT_API_KEY and LIVEKIT_API_SECRET`, command);
  }
  return { apiKey, apiSecret };
}

/** Connects to the server named by --server (HOST:PORT for gRPC, an http(s):// URL for Twirp). */
export async function remoteService(ctx: CliContext, address: string, command: string): Promise<RemoteTokenService> {
  const checked = serverAddress(address, command, "--server");
  return remoteTokenService(await ctx.connect({ address: checked }));
}
