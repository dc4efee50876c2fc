import { create } from "@bufbuild/protobuf";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { nowSeconds, type Clock } from "../core/clock.js";
import { matchClient, type ClientCredential } from "../core/credentials.js";
import { invalidArgument, RoomgateError, tokenError } from "../core/errors.js";
import { signingKey, type KeyProvider } from "../core/keys.js";
import { mintToken, type MintLimits } from "../core/minting.js";
import { checkRequirements, REQUIREMENTS, type Requirement } from "../core/requirements.js";
import { CreateTokenResponseSchema, Grant, VerifyTokenResponseSchema, type TokenService } from "../../gen/roomgate/v1/token_service_pb.js";
import type { ImplOf } from "../transport/grpc-adapter.js";
import { claimsFromProto, claimsToProto, timestampFromSeconds, videoToProto } from "./claims-convert.js";
import type { TokenVerifier } from "./token-verifier.js";

/** Dependencies of the token service. */
export interface TokenServiceDeps {
  keys: KeyProvider;
  clock: Clock;
  verifier: TokenVerifier;
  /** Clients allowed to call CreateToken (read per call so a reload takes effect). */
  clients: () => readonly ClientCredential[];
  mint: MintLimits;
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
    async createToken(req, ctx) {
      if (!ctx.credential || !matchClient(deps.clients(), ctx.credential)) throw new RoomgateError("caller_unauthenticated");
      const grants = claimsFromProto(req.claims);
      const ttlSeconds = durationSeconds(req.ttl);
      const notBefore = timestampSeconds(req.notBefore);
      const key = signingKey(deps.keys.current(), req.apiKey);
      const minted = mintToken(
        key,
        { grants, ...(ttlSeconds !== undefined && { ttlSeconds }), ...(notBefore !== undefined && { notBefore }) },
        nowSeconds(deps.clock),
        deps.mint,
      );
      return create(CreateTokenResponseSchema, {
        token: minted.token,
        apiKey: minted.apiKey,
        claims: claimsToProto(minted.grants),
        issuedAt: timestampFromSeconds(minted.issuedAt),
        notBefore: timestampFromSeconds(minted.notBefore),
        expiresAt: timestampFromSeconds(minted.expiresAt),
      });
    },

    async verifyToken(req) {
      if (!req.token) throw tokenError("token_malformed");
      const access = await deps.verifier.verify(req.token);
      const required = req.require.map(requirementOf);
      checkRequirements(access.token.grants, access.effectiveVideo, required, req.room);
      const t = access.token;
      return create(VerifyTokenResponseSchema, {
        apiKey: t.apiKey,
        claims: claimsToProto(t.grants),
        ...(t.issuedAt !== undefined && { issuedAt: timestampFromSeconds(t.issuedAt) }),
        ...(t.notBefore !== undefined && { notBefore: timestampFromSeconds(t.notBefore) }),
        expiresAt: timestampFromSeconds(t.expiresAt),
        ...(access.effectiveVideo && { effectiveVideo: videoToProto(access.effectiveVideo) }),
      });
    },
  };
}
