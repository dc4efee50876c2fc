import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { createRoomgateClient } from "../src/client/client.js";
import { HealthCheckRequestSchema, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from "../gen/health/v1/health_pb.js";
import { CreateTokenResponseSchema, VerifyTokenResponseSchema } from "../gen/roomgate/v1/token_service_pb.js";
import { BENCH_CLIENT_CREDENTIAL, benchBodies, benchCreateRequest, benchVerifyRequest } from "./fixture.js";
import { compareWithH2load, H2LOAD_MISSING, h2loadAvailable, type H2Row, type H2Target } from "./h2load.js";
import { startServerProcess } from "./server-process.js";
import { grpcFrame } from "../test/support/raw-watch.js";

/** Sizes of the h2load runs (gRPC and Twirp alike). */
export interface LoadOptions {
  /** Requests in flight, one comparison each. */
  inFlight: readonly number[];
  rounds: number;
  /** Requests per measured run. */
  requests: number;
  /** Requests per warm-up run. */
  warmup: number;
}

/** The rows of one comparison, or why it did not run. */
export type LoadSection = { rows: H2Row[] } | { unavailable: string };

// One decoded call of each kind first, so the load figures are known to be successes.
async function mintProbeToken(address: string): Promise<string> {
  const client = createRoomgateClient({ address, credential: BENCH_CLIENT_CREDENTIAL, retry: false });
  try {
    const created = await client.tokens.createToken(benchCreateRequest());
    const verified = await client.tokens.verifyToken(benchVerifyRequest(created.token));
    if (verified.claims?.identity !== "alice") throw new Error("VerifyToken probe returned the wrong identity");
    return created.token;
  } finally {
    client.close();
  }
}

const identity = (b: Buffer): Buffer => b;

/**
 * Sends each target's exact frame once through a grpc-js client (its own
 * length prefix is the frame's first five bytes) and checks grpc-status 0 and
 * the decoded answer: h2load only sees HTTP statuses, never the trailers.
 */
async function checkFrames(address: string, targets: readonly H2Target[], check: (name: string, reply: Buffer) => void): Promise<void> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  try {
    for (const t of targets) {
      const frame = t.body;
      if (frame[0] !== 0 || frame.readUInt32BE(1) !== frame.length - 5) throw new Error(`${t.name}: not one uncompressed gRPC frame`);
      const md = new grpc.Metadata();
      if (t.headers.authorization) md.set("authorization", t.headers.authorization);
      const reply = await new Promise<Buffer>((resolve, reject) =>
        client.makeUnaryRequest(new URL(t.url).pathname, identity, identity, frame.subarray(5), md, {}, (err, res) =>
          err ? reject(new Error(`${t.name}: grpc-status ${err.code} (${err.details})`)) : resolve(res!),
        ),
      );
      check(t.name, reply);
    }
  } finally {
    client.close();
  }
}

/**
 * CreateToken and VerifyToken (requiring roomJoin) against grpc.health.v1
 * Check on the same server process, driven by h2load posting byte-exact gRPC frames.
 */
export async function runGrpcLoad(opts: LoadOptions): Promise<LoadSection> {
  if (!h2loadAvailable()) return { unavailable: H2LOAD_MISSING };
  const srv = await startServerProcess();
  try {
    const address = `127.0.0.1:${srv.grpcPort}`;
    const token = await mintProbeToken(address);
    const bodies = benchBodies(token);
    const base = `http://${address}`;
    const grpcHeaders = { "content-type": "application/grpc", te: "trailers" };
    const targets: H2Target[] = [
      { name: "Health/Check", url: `${base}/grpc.health.v1.Health/Check`, body: grpcFrame(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "" }))), headers: grpcHeaders },
      { name: "CreateToken", url: `${base}/roomgate.v1.TokenService/CreateToken`, body: grpcFrame(bodies.createBin), headers: { ...grpcHeaders, authorization: `Bearer ${BENCH_CLIENT_CREDENTIAL}` } },
      { name: "VerifyToken", url: `${base}/roomgate.v1.TokenService/VerifyToken`, body: grpcFrame(bodies.verifyBin), headers: grpcHeaders },
    ];
    await checkFrames(address, targets, (name, reply) => {
      const ok = name === "Health/Check" ? fromBinary(HealthCheckResponseSchema, reply).status === HealthCheckResponse_ServingStatus.SERVING
        : name === "CreateToken" ? fromBinary(CreateTokenResponseSchema, reply).token.length > 0
        : fromBinary(VerifyTokenResponseSchema, reply).claims?.identity === "alice";
      if (!ok) throw new Error(`${name}: the probe answered grpc-status 0 with an unexpected message`);
    });
    const rows: H2Row[] = [];
    for (const inFlight of opts.inFlight) rows.push(...(await compareWithH2load(srv, targets, { ...opts, inFlight, h1: false })));
    return { rows };
  } finally {
    await srv.close();
  }
}
