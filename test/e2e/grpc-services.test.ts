import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus } from "../../gen/health/v1/health_pb.js";
import { startDeployment } from "../support/deployment.js";
import { callUnary, insecureClientFor } from "../support/grpc-client.js";
import { type TestServer } from "../support/token-server.js";

const run = promisify(execFile);
let s: TestServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-grpc-"));
  s = await startDeployment(dir);
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("standard gRPC services", () => {
  it("health reports SERVING for the server and the token service", async () => {
    const client = insecureClientFor(Health, `127.0.0.1:${s.server.grpcPort}`);
    for (const service of ["", "roomgate.v1.TokenService"]) {
      const res = await callUnary(client, Health.method.check, create(HealthCheckRequestSchema, { service }));
      expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
    client.close();
  });

  it("reflection lets buf curl list and call the services", async () => {
    const base = `http://127.0.0.1:${s.server.grpcPort}`;
    const list = await run("npx", ["buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-services", base]);
    expect(list.stdout.split("\n")).toEqual(expect.arrayContaining(["roomgate.v1.TokenService", "grpc.health.v1.Health"]));
    const call = await run("npx", ["buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", '{"token":"x"}', `${base}/roomgate.v1.TokenService/VerifyToken`])
      .then(() => undefined, (e: { code: number; stdout: string; stderr: string }) => e);
    // buf curl exits with the gRPC code << 3 (UNAUTHENTICATED = 16 → 128).
    expect(call?.code).toBe(128);
    expect(`${call?.stdout}${call?.stderr}`).toContain("unauthenticated");
  }, 30_000);
});
