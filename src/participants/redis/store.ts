import { tokenError } from "../../core/errors.js";
import { liveEntryOf, markRemoved, mergeJoin, type LiveEntry, type ParticipantRecord } from "../model.js";
import type { ParticipantStore, RemoveResult, UpdateResult } from "../store.js";
import { unavailable, withDeadline, type RawClient, type RedisSettings } from "./connection.js";
import { decodeRecord, encodePermission, encodeRecord, parseParticipantField, participantField, redisKeys } from "./codec.js";
import { WRITE_SCRIPT } from "./scripts.js";

/** The Redis store plus what the event reader and the server need from it. */
export interface RedisParticipantStore extends ParticipantStore {
  /** The client the store writes with (shared with the instance's checks). */
  readonly client: RawClient;
}

type Mode = "join" | "update" | "remove" | "revoke";
type WriteReply = { status: "ok"; version: number; watermark?: number; adminAtSec?: number } | { status: "conflict" | "missing" | "revoked" };

/** Options of the store. */
export interface RedisStoreOptions {
  client: RawClient;
  settings: RedisSettings;
  /** Stamped on every event this instance writes, so its reader can skip what it already delivered. */
  instanceId: string;
}

/**
 * A ParticipantStore on Redis. Each change is read, decided in TypeScript (the same mergeJoin
 * and markRemoved as the embedded stores), then committed by one guarded script; a conflict
 * re-reads and retries inside the store until `timeoutMs` runs out.
 */
export function createRedisParticipantStore(opts: RedisStoreOptions): RedisParticipantStore {
  const { client, settings } = opts;
  const keys = redisKeys(settings.keyPrefix);
  let closed = false;

  const call = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed || !client.isReady) return Promise.reject(unavailable(new Error("redis is not connected")));
    return withDeadline(settings.timeoutMs, fn);
  };
  const read = async (room: string, identity: string): Promise<ParticipantRecord | undefined> =>
    decodeRecord((await client.sendCommand(["HGETALL", keys.participant(room, identity)])) as string[]);

  const write = async (mode: Mode, room: string, identity: string, o: { expected?: number; issuedAtSec?: number; through?: number; adminPermission?: string; record?: ParticipantRecord }): Promise<WriteReply> => {
    const field = participantField(room, identity);
    const reply = (await WRITE_SCRIPT.run(
      client,
      [keys.participant(room, identity), keys.active(room), keys.revoked, keys.admin, keys.events],
      [
        mode, String(o.expected ?? 0), identity, field,
        o.issuedAtSec === undefined ? "" : String(o.issuedAtSec),
        o.through === undefined ? "" : String(o.through),
        String(settings.streamMaxLen), opts.instanceId, o.adminPermission ?? "",
        ...(o.record ? encodeRecord(o.record) : []),
      ],
    )) as string[];
    if (reply[0] !== "ok") return { status: reply[0] as "conflict" | "missing" | "revoked" };
    const out: WriteReply = { status: "ok", version: Number(reply[1]) };
    if (reply[2]) out.watermark = Number(reply[2]);
    if (reply[3]) out.adminAtSec = Number(reply[3]);
    return out;
  };

  // The deadline bounds the whole loop: contention is retried, never surfaced, while time remains. Once
  // the caller has been told UNAVAILABLE, no further attempt starts (one already sent may still land).
  const retrying = <T>(attempt: () => Promise<T | "conflict">): Promise<T> => {
    let answered = false;
    return call(async () => {
      for (;;) {
        if (answered) throw unavailable(new Error("gave up: the call's deadline passed"));
        const r = await attempt();
        if (r !== "conflict") return r;
      }
    }).finally(() => {
      answered = true;
    });
  };

  return {
    client,
    get: (room, identity) => call(() => read(room, identity)),
    // The participants_active gauge: every room's active set, walked with SCAN at scrape time (bounded by redis_timeout).
    countActive: () =>
      call(async () => {
        const pattern = `${settings.keyPrefix.replace(/[*?[\]\\]/g, "\\$&")}active:*`;
        let cursor = "0";
        let n = 0;
        do {
          const [next, found] = (await client.sendCommand(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])) as unknown as [string, string[]];
          cursor = next;
          const sizes = (await Promise.all(found.map((k) => client.sendCommand(["ZCARD", k])))) as unknown as number[];
          for (const size of sizes) n += Number(size);
        } while (cursor !== "0");
        return n;
      }),
    listActive: (room) =>
      call(async () => {
        const ids = (await client.sendCommand(["ZRANGE", keys.active(room), "-", "+", "BYLEX"])) as string[];
        const records = await Promise.all(ids.map((id) => read(room, id)));
        return records.filter((r): r is ParticipantRecord => r?.state === "active");
      }),
    join: (candidate, issuedAtSec) =>
      retrying(async () => {
        const existing = await read(candidate.room, candidate.identity);
        const next = mergeJoin(existing, candidate, issuedAtSec);
        const res = await write("join", next.room, next.identity, { expected: existing?.version ?? 0, record: next, ...(issuedAtSec !== undefined && { issuedAtSec }) });
        if (res.status === "revoked") throw tokenError("token_revoked");
        if (res.status !== "ok") return "conflict";
        return { ...next, version: res.version };
      }),
    update: (next, expectedVersion) =>
      call(async (): Promise<UpdateResult> => {
        const cur = await read(next.room, next.identity);
        if (!cur) return { status: "missing" };
        if (cur.version !== expectedVersion) return { status: "conflict" };
        const stored: ParticipantRecord = { ...next, version: expectedVersion + 1 };
        // A write that records a new admin decision stores it with the second Redis stamps it at (one clock for all instances).
        const admin = next.adminPermission;
        const setsAdmin = admin !== undefined && (cur.adminPermission === undefined || cur.adminPermission.atSec !== admin.atSec
          || encodePermission(cur.adminPermission.permission) !== encodePermission(admin.permission));
        const res = await write("update", next.room, next.identity, {
          expected: expectedVersion, record: stored, ...(setsAdmin && { adminPermission: encodePermission(admin.permission) }),
        });
        if (res.status === "ok") {
          if (setsAdmin && res.adminAtSec !== undefined) stored.adminPermission = { permission: admin.permission, atSec: res.adminAtSec };
          return { status: "ok", record: stored };
        }
        return { status: res.status === "missing" ? "missing" : "conflict" };
      }),
    remove: (room, identity, o) =>
      retrying(async (): Promise<RemoveResult | undefined | "conflict"> => {
        const cur = await read(room, identity);
        // Only a participant in the room is removed; otherwise nothing changes, the watermark included (the registry revokes).
        if (!cur || cur.state !== "active") return undefined;
        const next = markRemoved(cur, o.nowMs);
        const res = await write("remove", room, identity, { expected: cur.version, record: next, ...(o.revokeThroughSec !== undefined && { through: o.revokeThroughSec }) });
        if (res.status === "missing") return undefined;
        if (res.status !== "ok") return "conflict";
        const out: RemoveResult = { record: next };
        if (res.watermark !== undefined) out.revokedThrough = res.watermark;
        return out;
      }),
    revoke: (room, identity, throughSec) =>
      call(async () => {
        const res = await write("revoke", room, identity, { through: throughSec });
        return res.status === "ok" ? res.watermark! : throughSec;
      }),
    revokedThrough: (room, identity) =>
      call(async () => {
        const w = (await client.sendCommand(["HGET", keys.revoked, participantField(room, identity)])) as string | null;
        return w === null ? undefined : Number(w);
      }),
    loadLiveState: () =>
      call(async () => {
        const [adminFlat, revokedFlat] = (await Promise.all([
          client.sendCommand(["HKEYS", keys.admin]),
          client.sendCommand(["HGETALL", keys.revoked]),
        ])) as unknown as [string[], string[]];
        const marks = new Map<string, number>();
        for (let i = 0; i + 1 < revokedFlat.length; i += 2) marks.set(revokedFlat[i]!, Number(revokedFlat[i + 1]));
        const admins = new Set(adminFlat);
        const fields = [...new Set([...admins, ...marks.keys()])];
        // Auto-pipelined: one round trip for all records, at start and on a resync only.
        const records = await Promise.all(
          fields.map((field) => {
            const at = parseParticipantField(field);
            return at ? read(at.room, at.identity).then((r) => ({ at, r })) : undefined;
          }),
        );
        const out: LiveEntry[] = [];
        for (const [i, item] of records.entries()) {
          if (!item) continue;
          const entry = liveEntryOf(item.r, item.at.room, item.at.identity, marks.get(fields[i]!));
          if (entry) out.push(entry);
        }
        return out;
      }),
    close: async () => {
      closed = true;
    },
  };
}
