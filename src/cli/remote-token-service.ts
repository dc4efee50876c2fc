import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import type { Clock } from "../core/clock.js";
import type { MintedToken } from "../core/minting.js";
import type { VerifiedToken } from "../core/jwt.js";
import { claimsFromProto, claimsToProto } from "../services/claims-convert.js";
import { bearerMetadata, callUnary, grpcClientFor } from "../transport/grpc-adapter.js";
import { CreateTokenRequestSchema, TokenService, VerifyTokenRequestSchema } from "../../gen/roomgate/v1/token_service_pb.js";
import type { RemoteTokenService } from "./context.js";
import { remoteCallError } from "./remote-error.js";

const DEADLINE_MS = 10_000;

function seconds(t: { seconds: bigint } | undefined): number {
  return t ? Number(t.seconds) : 0;
}

/** Connects to a roomgate TokenService over plaintext gRPC (for `token … --server`). */
export function connectTokenService(address: string, clock: Clock): RemoteTokenService {
  const Client = grpcClientFor(TokenService);
  const client = new Client(address, grpc.credentials.createInsecure());
  const options = (): grpc.CallOptions => ({ deadline: clock.nowMs() + DEADLINE_MS });
  return {
    async createToken(req, credential): Promise<MintedToken> {
      const message = create(CreateTokenRequestSchema, {
        claims: claimsToProto(req.grants),
        ttl: { seconds: BigInt(req.ttlSeconds) },
        apiKey: req.apiKey,
      });
      const res = await callUnary(client, TokenService.method.createToken, message, bearerMetadata(credential), options()).catch(
        (err: unknown) => Promise.reject(remoteCallError(err, address)),
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
      const message = create(VerifyTokenRequestSchema, { token });
      const res = await callUnary(client, TokenService.method.verifyToken, message, new grpc.Metadata(), options()).catch(
        (err: unknown) => Promise.reject(remoteCallError(err, address)),
      );
      const grants = claimsFromProto(res.claims);
      const out: VerifiedToken = { apiKey: res.apiKey, identity: grants.identity ?? "", grants, expiresAt: seconds(res.expiresAt) };
      if (res.issuedAt) out.issuedAt = seconds(res.issuedAt);
      if (res.notBefore) out.notBefore = seconds(res.notBefore);
      return out;
    },
    close: () => client.close(),
  };
}
