import { RoomgateError } from "../../client/errors.js";
import { parseFlags } from "../args.js";
import type { CliContext, WatchEvent } from "../context.js";
import { PARTICIPANT_WATCH_HELP } from "./help.js";
import { CONNECTION_OPTIONS, requireIdentity, requireRoom, signsAdminToken, withParticipants } from "./connect.js";
import { watchLine } from "./format.js";

const CMD = "participant watch";

const OPTIONS = { ...CONNECTION_OPTIONS, identity: { type: "string", short: "i" }, "token-only": { type: "boolean" } } as const;

/**
 * `roomgate participant watch`: one line per pushed event until the server
 * ends the stream (the participant was removed) or SIGINT/SIGTERM, both exit 0.
 * A stream lives only as long as the token that opened it; when the admin token
 * this command signed expires, it signs a new one and watches on (the first line
 * after that is the participant's current token again).
 */
export async function runParticipantWatch(args: string[], ctx: CliContext): Promise<number> {
  const { values: f, positionals } = parseFlags(args, OPTIONS, CMD, 1);
  if (f.help) {
    ctx.stdout(PARTICIPANT_WATCH_HELP);
    return 0;
  }
  const room = requireRoom(f.room, undefined, CMD);
  const identity = requireIdentity(f.identity, positionals[0], CMD);
  const print = f["token-only"]
    ? (e: WatchEvent) => void (e.token && ctx.stdout(`${e.token}\n`))
    : (e: WatchEvent) => ctx.stdout(watchLine(e));

  const renewable = signsAdminToken(f, ctx);
  for (;;) {
    let received = false;
    try {
      await withParticipants(f, room, ctx, CMD, async (remote) => {
        const handle = remote.watch(room, identity, (e) => {
          received = true;
          print(e);
        });
        const unsubscribe = [ctx.onSignal("SIGINT", handle.cancel), ctx.onSignal("SIGTERM", handle.cancel)];
        try {
          await handle.done;
        } finally {
          for (const off of unsubscribe) off();
        }
      });
      return 0;
    } catch (err) {
      // Only a stream that was accepted is renewed, so a clock far off the server's cannot spin here.
      if (renewable && received && err instanceof RoomgateError && err.reason === "token_expired") continue;
      throw err;
    }
  }
}
