import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { nowSeconds, type Clock } from "../core/clock.js";
import { matchClient, type ClientCredential } from "../core/credentials.js";
import { invalidArgument, RoomgateError, tokenError } from "../core/errors.js";
import { signingKey, type KeyProvider } from "../core/keys.js";
import { mintToken, type MintLimits, type MintRequest } from "../core/minting.js";
import { effectiveGrantNames } from "../core/effective-grants.js";
import { checkMintPolicy, policyApiKey, policyLimitsFrom } from "../core/mint-policy.js";
import { disabledAuditLog, type AuditLog } from "../audit/audit-log.js";
import { rfc3339, tokenSha256 } from "../audit/audit-fields.js";
import { denied } from "./audited.js";
import { checkRequirements, REQUIREMENTS, type Requirement } from "../core/requirements.js";
import { Grant, type TokenService, type VerifyTokenRequest, type VerifyTokenResponse } from "../../gen/roomgate/v1/token_service_pb.js";
import type { ImplOf } from "../transport/grpc-adapter.js";
import { claimsFromProto, claimsToProto, timestampFromSeconds, videoToProto } from "./claims-convert.js";
import type { TokenVerifier, VerifiedAccess } from "./token-verifier.js";
import { isThenable } from "../transport/maybe-async.js";

/** Dependencies of the token service. */
export interface TokenServiceDeps {
  keys: KeyProvider;
  clock: Clock;
  verifier: TokenVerifier;
  /** Clients allowed to call CreateToken (read per call so a reload, ClientHolder.replace, takes effect). */
  clients: () => readonly ClientCredential[];
  mint: MintLimits;
  /** Verification's size limit: a longer token is refused at mint time, so roomgate never mints what it would refuse. */
  maxTokenBytes: number;
  /** Where mints and refused callers are recorded (contract §11); default: not recorded. */
  audit?: AuditLog;
  /** Called with the client's name for every token handed out (the metrics' minted counter). */
  onMinted?: (client: string) => void;
}

/** The client credentials in force; `replace` swaps them (on SIGHUP) without dropping calls. */
export interface ClientHolder {
  /** The clients CreateToken accepts now. */
  current(): readonly ClientCredential[];
  /** Swaps the whole list at once, so a call sees either the old clients or the new ones. */
  replace(clients: readonly ClientCredential[]): void;
}

/** A ClientHolder starting with `initial`; a copy is kept, so later changes to the caller's array do not leak in. */
export function createClientHolder(initial: readonly ClientCredential[]): ClientHolder {
  let clients: readonly ClientCredential[] = [...initial];
  return {
    current: () => clients,
    replace: (next) => {
      clients = [...next];
    },
  };
}

// Grant enum values follow REQUIREMENTS' order, offset by UNSPECIFIED.
function requirementOf(g: Grant): Requirement {
  const r = g > Grant.UNSPECIFIED ? REQUIREMENTS[g - 1] : undefined;
  if (!r) throw invalidArgument("require", "holds an unspecified or unknown grant");
  return r;
}

function durationSeconds(d: Duration | undefined): number | undefined {
  if (!d) return undefined;
  const sec = Number(d.seconds) + d.nanos / 1e9;
  if (!(sec > 0)) throw invalidArgument("ttl", "must be positive");
  return sec;
}

function timestampSeconds(t: Timestamp | undefined): number | undefined {
  return t ? Number(t.seconds) : undefined;
}

/** Creates the TokenService implementation (CreateToken, VerifyToken). */
export function createTokenService(deps: TokenServiceDeps): ImplOf<typeof TokenService> {
  return {
    // Synchronous: the transports answer it without a promise turn.
    createToken(req, ctx) {
      const audit = deps.audit ?? disabledAuditLog;
      const client = ctx.credential ? matchClient(deps.clients(), ctx.credential) : undefined;
      if (!client) {
        const err = new RoomgateError("caller_unauthenticated");
        denied(audit, "token.create", {}, err);
        throw err;
      }
      const caller = { client: client.name };
      const grants = claimsFromProto(req.claims);
      const at = { caller, ...(grants.video?.room !== undefined && { room: grants.video.room }), ...(grants.identity !== undefined && { identity: grants.identity }) };
      const ring = deps.keys.current();
      const now = nowSeconds(deps.clock);
      const notBefore = timestampSeconds(req.notBefore);
      let apiKey: string;
      let limits: MintLimits;
      try {
        checkMintPolicy(client.policy, grants);
        apiKey = policyApiKey(client.policy, req.apiKey, ring.defaultKey.apiKey);
        limits = policyLimitsFrom(client.policy, deps.mint, now, notBefore);
      } catch (err) {
        denied(audit, "token.create", at, err);
        throw err;
      }
      const mintReq: MintRequest = { grants };
      const ttlSeconds = durationSeconds(req.ttl);
      if (ttlSeconds !== undefined) mintReq.ttlSeconds = ttlSeconds;
      if (notBefore !== undefined) mintReq.notBefore = notBefore;
      const key = signingKey(ring, apiKey);
      const minted = mintToken(key, mintReq, now, limits);
      if (minted.token.length > deps.maxTokenBytes) throw invalidArgument("claims", `make a token longer than ${deps.maxTokenBytes} bytes`);
      // Recorded before the token leaves: if the line cannot be written, the token is never handed out.
      audit.write({
        event: "token.create", outcome: "allowed", ...at, api_key: minted.apiKey, grants: effectiveGrantNames(minted.grants),
        expires_at: rfc3339(minted.expiresAt), token_sha256: tokenSha256(minted.token),
      });
      deps.onMinted?.(client.name);
      // A typed literal rather than create(): see claims-convert.ts for why.
      return {
        $typeName: "roomgate.v1.CreateTokenResponse",
        token: minted.token,
        apiKey: minted.apiKey,
        claims: claimsToProto(minted.grants),
        issuedAt: timestampFromSeconds(minted.issuedAt),
        notBefore: timestampFromSeconds(minted.notBefore),
        expiresAt: timestampFromSeconds(minted.expiresAt),
      };
    },

    verifyToken(req) {
      if (!req.token) throw tokenError("token_malformed");
      const access = deps.verifier.check(req.token);
      // Answered in this turn unless the live state view is asynchronous.
      return isThenable(access) ? Promise.resolve(access).then((a) => verifyResponse(req, a)) : verifyResponse(req, access);
    },
  };
}

// VerifyToken's answer once the token is verified: the required grants, then the claims and the effective video grant.
function verifyResponse(req: VerifyTokenRequest, access: VerifiedAccess): VerifyTokenResponse {
  const required = req.require.map(requirementOf);
  checkRequirements(access.token.grants, access.effectiveVideo, required, req.room);
  const t = access.token;
  const out: VerifyTokenResponse = {
    $typeName: "roomgate.v1.VerifyTokenResponse",
    apiKey: t.apiKey,
    claims: claimsToProto(t.grants),
    expiresAt: timestampFromSeconds(t.expiresAt),
  };
  if (t.issuedAt !== undefined) out.issuedAt = timestampFromSeconds(t.issuedAt);
  if (t.notBefore !== undefined) out.notBefore = timestampFromSeconds(t.notBefore);
  if (access.effectiveVideo) out.effectiveVideo = videoToProto(access.effectiveVideo);
  return out;
}
