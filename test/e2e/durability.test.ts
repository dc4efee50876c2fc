import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ParticipantService, ParticipantState, type Participant } from "../../gen/roomgate/v1/participant_service_pb.js";
import { Grant, TokenService } from "../../gen/roomgate/v1/token_service_pb.js";
import { insecureClientFor } from "../support/grpc-client.js";
import { hs256 } from "../support/raw-tokens.js";
import { grpcOutcome, participantCalls, twirpCall } from "../support/participant-calls.js";
import { spawnServer, type ServerProcess } from "../support/subprocess-server.js";

// `--dev`'s well-known key (contract §5).
const DEV_KEY = "devkey";
const DEV_SECRET = "secret";
const ROOM = "durable";

let dir: string;
const children: ServerProcess[] = [];
const clients: grpc.Client[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "roomgate-durability-"));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(children.map((c) => c.stop("SIGKILL")));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(): Promise<{ proc: ServerProcess; calls: ReturnType<typeof participantCalls>; twirpUrl: string }> {
  const proc = await spawnServer(["serve", "--dev", "--data", dir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"]);
  children.push(proc);
  const address = `127.0.0.1:${proc.grpcPort}`;
  const participants = insecureClientFor(ParticipantService, address);
  const tokens = insecureClientFor(TokenService, address);
  clients.push(participants, tokens);
  return { proc, calls: participantCalls(participants, tokens), twirpUrl: `http://127.0.0.1:${proc.httpPort}/twirp` };
}

// The child runs on the wall clock, so tokens are dated by it too.
const sign = (payload: Record<string, unknown>): string => {
  const now = Math.floor(Date.now() / 1000);
  return hs256({ iss: DEV_KEY, iat: now, nbf: now, exp: now + 3600, ...payload }, DEV_SECRET);
};
const joinToken = (identity: string, video: Record<string, unknown> = {}) => sign({ sub: identity, video: { roomJoin: true, room: ROOM, ...video } });
const admin = () => sign({ sub: "admin", video: { roomAdmin: true, room: ROOM } });

/** What an acknowledged reply said, in the fields a restart must keep. */
function durable(p: Participant | undefined) {
  return {
    identity: p?.identity, name: p?.name, metadata: p?.metadata, attributes: p?.attributes,
    permission: p?.permission, state: p?.state, version: p?.version,
  };
}

it("acknowledged updates and revocations survive SIGKILL right after the last reply", async () => {
  const first = await serve();
  const c = first.calls;
  const ids = ["ann", "ben", "cat", "dan", "eve", "fay"];
  const joinTokens = Object.fromEntries(ids.map((id) => [id, joinToken(id, id === "ann" ? { canPublish: false } : {})]));
  for (const id of ids) await c.join(joinTokens[id]!);

  const acked: Record<string, ReturnType<typeof durable>> = {};
  // Promotion of a canPublish:false joiner, and a demotion: the live state verification relies on must persist too.
  acked.ann = durable((await c.update({ room: ROOM, identity: "ann", permission: { canPublish: true, canSubscribe: true, canPublishData: true } }, admin())).participant);
  acked.ben = durable((await c.update({ room: ROOM, identity: "ben", metadata: "demoted", permission: { canSubscribe: true } }, admin())).participant);
  // Several versions in a row: only the last acknowledged one counts.
  for (let i = 1; i <= 5; i++) {
    acked.cat = durable((await c.update({ room: ROOM, identity: "cat", name: `Cat #${i}`, attributes: { round: String(i), ...(i === 3 && { gone: "" }) } }, admin())).participant);
  }
  // Through the LiveKit-compatible route as well.
  const lk = await twirpCall(first.twirpUrl, "livekit.RoomService", "UpdateParticipant", { room: ROOM, identity: "dan", metadata: "via livekit", attributes: { seat: "7" } }, admin());
  expect(lk.status).toBe(200);
  acked.dan = durable((await c.get(ROOM, "dan", admin())).participant);
  await c.remove(ROOM, "fay", false, admin());
  acked.fay = durable((await c.get(ROOM, "fay", admin())).participant);

  // The last acknowledged calls: a concurrent burst of updates and a revoking removal, then SIGKILL at once.
  const burst = await Promise.all([
    c.update({ room: ROOM, identity: "ann", metadata: "last words" }, admin()),
    c.update({ room: ROOM, identity: "cat", attributes: { round: "final" } }, admin()),
    c.remove(ROOM, "eve", true, admin()),
  ]);
  await first.proc.stop("SIGKILL");
  expect(first.proc.child.signalCode).toBe("SIGKILL");
  acked.ann = durable(burst[0].participant);
  acked.cat = durable(burst[1].participant);

  const second = await serve();
  const after: Record<string, ReturnType<typeof durable>> = {};
  for (const id of Object.keys(acked)) after[id] = durable((await second.calls.get(ROOM, id, admin())).participant);
  expect(after).toEqual(acked);
  expect(acked.cat).toMatchObject({ name: "Cat #5", attributes: { round: "final" }, version: 7n });
  expect((await second.calls.get(ROOM, "eve", admin())).participant?.state).toBe(ParticipantState.REMOVED);
  expect((await second.calls.list(ROOM, admin())).participants.map((p) => p.identity)).toEqual(["ann", "ben", "cat", "dan"]);

  const show = async (p: Promise<unknown>) => {
    const o = await grpcOutcome(p);
    return o.code === grpc.status.OK ? "OK" : `${grpc.status[o.code]} ${o.reason}`;
  };
  expect({
    "eve VerifyToken": await show(second.calls.verify({ token: joinTokens.eve! })),
    "eve JoinRoom": await show(second.calls.join(joinTokens.eve!)),
    "eve RefreshToken": await show(second.calls.refresh(joinTokens.eve!)),
    // Live permissions reloaded from disk still win over what the join tokens say.
    "ann may publish": await show(second.calls.verify({ token: joinTokens.ann!, require: [Grant.CAN_PUBLISH], room: ROOM })),
    "ben may not publish": await show(second.calls.verify({ token: joinTokens.ben!, require: [Grant.CAN_PUBLISH], room: ROOM })),
    "fay was not revoked": await show(second.calls.verify({ token: joinTokens.fay! })),
  }).toEqual({
    "eve VerifyToken": "UNAUTHENTICATED token_revoked",
    "eve JoinRoom": "UNAUTHENTICATED token_revoked",
    "eve RefreshToken": "UNAUTHENTICATED token_revoked",
    "ann may publish": "OK",
    "ben may not publish": "PERMISSION_DENIED grant_missing",
    "fay was not revoked": "OK",
  });
  await second.proc.stop("SIGTERM");
  expect(second.proc.child.exitCode).toBe(0);
}, 40_000);
