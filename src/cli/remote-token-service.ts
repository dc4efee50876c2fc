import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { ALL_REASONS, RoomgateError, type Reason } from "../core/errors.js";
import type { Clock } from "../core/clock.js";
import type { MintedToken } from "../core/minting.js";
import type { VerifiedToken } from "../core/jwt.js";
import { claimsFromProto, claimsToProto } from "../services/claims-convert.js";
import { bearerMetadata, callUnary, grpcClientFor } from "../transport/grpc-adapter.js";
import { REASON_METADATA_KEY } from "../transport/status.js";
import { CreateTokenRequestSchema, TokenService, VerifyTokenRequestSchema } from "../../gen/roomgate/v1/token_service_pb.js";
import { CliError, type RemoteTokenService } from "./context.js";

const DEADLINE_MS = 10_000;

function seconds(t: { seconds: bigint } | undefined): number {
  return t ? Number(t.seconds) : 0;
}

// The server's reason trailer is the stable part; gRPC's own message can be anything.
function translate(err: unknown, address: string): Error {
  const e = err as grpc.ServiceError;
  if (typeof e?.code !== "number") return err instanceof Error ? err : new Error(String(err));
  const reason = e.metadata?.get(REASON_METADATA_KEY)[0];
  if (typeof reason === "string" && (ALL_REASONS as string[]).includes(reason)) {
    // Token failures keep their type so `token verify` reports them like a local check.
    if (reason.startsWith("token_")) return new RoomgateError(reason as Reason);
    return new CliError(`roomgate refused: ${reason}${e.details ? ` (${e.details})` : ""}`);
  }
  if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) {
    return new CliError(`cannot reach roomgate at ${address} (${grpc.status[e.code]})`);
  }
  return new CliError(`roomgate at ${address} failed: ${grpc.status[e.code]}`);
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
        (err: unknown) => Promise.reject(translate(err, address)),
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
        (err: unknown) => Promise.reject(translate(err, address)),
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
