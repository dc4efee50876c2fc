import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/token-server.js";

const MAX = 4096;
let h: TestServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-twirp-"));
  h = await startTestServer(dir, { maxRequestBytes: MAX });
});

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: string | Uint8Array, type = "application/json") =>
  fetch(`${h.twirpUrl}/roomgate.v1.TokenService/VerifyToken`, { method: "POST", headers: { "content-type": type }, body });

describe("Twirp request bodies", () => {
  it("refuses a body over the limit with invalid_argument on the body, and closes the connection", async () => {
    for (const size of [MAX + 1, 10 * MAX, 300 * 1024]) {
      const res = await post(JSON.stringify({ token: "x".repeat(size) }));
      expect(res.status).toBe(400);
      expect(res.headers.get("connection")).toBe("close");
      expect(await res.json()).toEqual({ code: "invalid_argument", msg: `invalid argument: body exceeds ${MAX} bytes`, meta: { reason: "invalid_argument", argument: "body" } });
    }
  });

  it("reads a body at the limit, in JSON and in protobuf, and answers a synchronous handler", async () => {
    const token = "x".repeat(MAX - 20);
    const res = await post(JSON.stringify({ token }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { meta: unknown }).meta).toEqual({ reason: "token_malformed" });
    const pb = await post(new Uint8Array([0x0a, 0x01, 0x78]), "application/protobuf");
    expect(pb.status).toBe(401);
  });
});
