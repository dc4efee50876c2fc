import type { MintedToken } from "../../core/minting.js";
import type { VerifiedToken } from "../../core/jwt.js";
import type { RoomgateClient } from "../../client/client.js";
import { claimsFromProto, claimsToProto } from "../../services/claims-convert.js";
import type { RemoteTokenService } from "../context.js";

function seconds(t: { seconds: bigint } | undefined): number {
  return t ? Number(t.seconds) : 0;
}

/** `token … --server` over roomgate/client: CreateToken and VerifyToken in the CLI's domain types. */
export function remoteTokenService(client: RoomgateClient): RemoteTokenService {
  return {
    async createToken(req, credential): Promise<MintedToken> {
      const res = await client.tokens.createToken(
        { claims: claimsToProto(req.grants), ttl: { seconds: BigInt(req.ttlSeconds) }, apiKey: req.apiKey },
        { credential },
      );
      return {
        token: res.token,
        apiKey: res.apiKey,
        grants: claimsFromProto(res.claims),
        issuedAt: seconds(res.issuedAt),
        notBefore: seconds(res.notBefore),
        expiresAt: seconds(res.expiresAt),
      };
    },
    async verifyToken(token): Promise<VerifiedToken> {
      const res = await client.tokens.verifyToken({ token });
      const grants = claimsFromProto(res.claims);
      const out: VerifiedToken = { apiKey: res.apiKey, identity: grants.identity ?? "", grants, expiresAt: seconds(res.expiresAt) };
      if (res.issuedAt) out.issuedAt = seconds(res.issuedAt);
      if (res.notBefore) out.notBefore = seconds(res.notBefore);
      return out;
    },
    close: () => client.close(),
  };
}
