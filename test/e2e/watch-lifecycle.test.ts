import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, expect, it } from "vitest";
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus, type HealthCheckResponse } from "../../gen/health/v1/health_pb.js";
import { EventCause, type WatchParticipantResponse } from "../../gen/roomgate/v1/participant_service_pb.js";
import { callServerStream, insecureClientFor } from "../support/grpc-client.js";
import { participantCalls, readToEnd } from "../support/participant-calls.js";
import { hs256 } from "../support/raw-tokens.js";
import { startDeployment, type TestDeployment } from "../support/deployment.js";
import { API_KEY, API_SECRET, T0_MS } from "../support/token-server.js";

const NOW = T0_MS / 1000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(): Promise<TestDeployment> {
  const dir = mkdtempSync(join(tmpdir(), "roomgate-watch-"));
  const s = await startDeployment(dir);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => s.close());
  return s;
}

const joinToken = (identity: string) =>
  hs256({ iss: API_KEY, sub: identity, iat: NOW, nbf: NOW, exp: NOW + 3600, video: { roomJoin: true, room: "r" } }, API_SECRET);
const admin = hs256({ iss: API_KEY, sub: "admin", iat: NOW, nbf: NOW, exp: NOW + 3600, video: { roomAdmin: true, room: "r" } }, API_SECRET);

it("ends an open watch with UNAVAILABLE server_shutting_down when the server stops, so watchers reconnect", async () => {
  const s = await server();
  // The instance that stops is the one holding the watch; with several instances the others keep serving.
  const one = s.instances[0]!;
  const calls = participantCalls(one.participantClient, one.tokenClient);
  const token = joinToken("alice");
  await calls.join(token);
  const watch = calls.watch("r", "alice", token);
  expect((await watch.next()).cause).toBe(EventCause.REFRESHED);
  await one.server.close(2000);
  expect(await watch.ended()).toMatchObject({ code: grpc.status.UNAVAILABLE, reason: "server_shutting_down" });
});

it("keeps a slow watcher's memory bounded: it gets the newest tokens and always the removal, in version order", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  cleanups.push(() => void process.off("warning", onWarning));

  const s = await server();
  const calls = participantCalls(s.participantClient, s.tokenClient);
  const token = joinToken("bob");
  await calls.join(token);
  // Not read while the updates run: roomgate/client holds a few events, then stops reading the socket.
  const stream = s.client.participants.watchParticipant({ room: "r", identity: "bob" }, { token })[Symbol.asyncIterator]();
  const first = (await stream.next()).value as WatchParticipantResponse;

  // Each pushed token carries the metadata, so a few updates overrun HTTP/2 flow control and the stream's buffer.
  const updates = 80;
  for (let i = 1; i <= updates; i++) await calls.update({ room: "r", identity: "bob", metadata: `${i}:${"m".repeat(60_000)}` }, admin);
  await calls.remove("r", "bob", false, admin);

  const rest: WatchParticipantResponse[] = [];
  expect(await readToEnd(stream, rest)).toEqual({ code: grpc.status.OK });
  const versions = [first, ...rest].map((m) => Number(m.participant?.version));
  expect(rest.at(-1)?.cause).toBe(EventCause.REMOVED);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(new Set(versions).size).toBe(versions.length);
  // Some stale tokens were dropped rather than queued without bound.
  expect(rest.length).toBeLessThan(updates + 1);
  expect(rest.at(-2)?.participant?.metadata.startsWith(`${updates}:`)).toBe(true);
  expect(warnings).not.toContain("MaxListenersExceededWarning");
});

it("stops without waiting out the grace period for an open health Watch, which first hears NOT_SERVING", async () => {
  const s = await server();
  const client = insecureClientFor(Health, `127.0.0.1:${s.server.grpcPort}`);
  cleanups.push(() => client.close());
  const watch = callServerStream(client, Health.method.watch, create(HealthCheckRequestSchema, { service: "" }));
  const statuses: HealthCheckResponse_ServingStatus[] = [];
  watch.on("data", (m: HealthCheckResponse) => statuses.push(m.status));
  const ended = new Promise<void>((resolve) => {
    watch.on("error", () => resolve());
    watch.on("end", () => resolve());
  });
  await new Promise<void>((resolve) => watch.once("data", () => resolve()));
  // A grace period far beyond the test's timeout: only an early stop lets this test pass.
  await s.server.close(600_000);
  await ended;
  expect(statuses).toEqual([HealthCheckResponse_ServingStatus.SERVING, HealthCheckResponse_ServingStatus.NOT_SERVING]);
}, 15_000);
