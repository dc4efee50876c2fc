import { createHmacKey } from "../../core/hmac-key.js";
import { verifyJwt, type VerifiedToken } from "../../core/jwt.js";
import { parseFlags } from "../args.js";
import { CliError, usageError, type CliContext } from "../context.js";
import { grantsJson, prettyJson } from "../format.js";
import { TOKEN_DECODE_HELP, TOKEN_VERIFY_HELP } from "./help.js";
import { localCredentials, remoteService } from "./credentials.js";

const VERIFY_OPTIONS = {
  "api-key": { type: "string" },
  "api-secret": { type: "string" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const DECODE_OPTIONS = { help: { type: "boolean", short: "h" } } as const;

const rfc3339 = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, "Z");

function verifiedJson(v: VerifiedToken): Record<string, unknown> {
  return {
    apiKey: v.apiKey,
    identity: v.identity,
    ...(v.issuedAt !== undefined ? { issuedAt: rfc3339(v.issuedAt) } : {}),
    ...(v.notBefore !== undefined ? { notBefore: rfc3339(v.notBefore) } : {}),
    expiresAt: rfc3339(v.expiresAt),
    grants: grantsJson(v.grants),
  };
}

/** `roomgate token verify TOKEN`: checks a token locally (key + secret) or with a server; prints its claims. */
export async function runTokenVerify(args: string[], ctx: CliContext): Promise<number> {
  const { values: f, positionals } = parseFlags(args, VERIFY_OPTIONS, "token verify", 1);
  if (f.help) {
    ctx.stdout(TOKEN_VERIFY_HELP);
    return 0;
  }
  const token = positionals[0];
  if (!token) throw usageError("missing TOKEN", "token verify");
  let verified: VerifiedToken;
  if (f.server !== undefined) {
    if (f["api-key"] !== undefined || f["api-secret"] !== undefined) {
      throw usageError("--api-key and --api-secret are not used with --server", "token verify");
    }
    const remote = await remoteService(ctx, f.server, "token verify");
    try {
      verified = await remote.verifyToken(token);
    } finally {
      remote.close();
    }
  } else {
    const { apiKey, apiSecret } = localCredentials(f, ctx, "token verify");
    const key = createHmacKey(apiKey, apiSecret);
    // A refusal is printed as roomgate: <reason>: <message>; the message never echoes the token.
    verified = verifyJwt(token, (k) => (k === apiKey ? key : undefined), ctx.clock.nowMs());
  }
  ctx.stdout(prettyJson(verifiedJson(verified)));
  return 0;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error("not base64url");
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new CliError(`token is malformed: the ${what} is not base64url-encoded JSON`, 1, undefined, "token_malformed");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(`token is malformed: the ${what} is not a JSON object`, 1, undefined, "token_malformed");
  }
  return value as Record<string, unknown>;
}

/**
 * `roomgate token decode TOKEN`: prints header and payload without checking
 * anything, so tokens of any algorithm, expired or foreign, can be inspected.
 */
export async function runTokenDecode(args: string[], ctx: CliContext): Promise<number> {
  const { values: f, positionals } = parseFlags(args, DECODE_OPTIONS, "token decode", 1);
  if (f.help) {
    ctx.stdout(TOKEN_DECODE_HELP);
    return 0;
  }
  const token = positionals[0];
  if (!token) throw usageError("missing TOKEN", "token decode");
  const parts = token.trim().split(".");
  if (parts.length !== 3) throw new CliError("token is malformed: expected three dot-separated parts", 1, undefined, "token_malformed");
  ctx.stdout(prettyJson({ header: decodePart(parts[0]!, "header"), payload: decodePart(parts[1]!, "payload") }));
  return 0;
}
