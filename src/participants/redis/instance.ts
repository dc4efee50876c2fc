import { randomUUID } from "node:crypto";
import type { Logger } from "../../log.js";
import { checkServer, withDeadline, type RawClient, type RedisSettings } from "./connection.js";
import { redisKeys, SCHEMA_VERSION } from "./codec.js";

/** Raised when this Redis must not be used (Cluster, an evicting policy, a newer layout); the start stops. */
export class RedisRefusedError extends Error {
  override readonly name = "RedisRefusedError";
}

/**
 * Prepares a connected Redis for roomgate: refuses what cannot work (see checkServer), claims
 * or checks the layout version, and returns the epoch (set once, so a wiped Redis is noticed).
 */
export async function prepareRedis(client: RawClient, settings: RedisSettings, log: Logger): Promise<{ epoch: string }> {
  const keys = redisKeys(settings.keyPrefix);
  const check = await withDeadline(settings.timeoutMs, () => checkServer(client));
  if (check.refuse) throw new RedisRefusedError(check.refuse);
  for (const w of check.warnings) log.warn(w);
  const schema = await withDeadline(settings.timeoutMs, async () => {
    await client.sendCommand(["SET", keys.schema, String(SCHEMA_VERSION), "NX"]);
    return Number(await client.sendCommand(["GET", keys.schema]));
  });
  if (schema !== SCHEMA_VERSION) {
    throw new RedisRefusedError(`Redis keys under "${settings.keyPrefix}" have layout version ${schema}; this roomgate reads version ${SCHEMA_VERSION}`);
  }
  return withDeadline(settings.timeoutMs, async () => {
    await client.sendCommand(["SET", keys.epoch, randomUUID(), "NX"]);
    return { epoch: String(await client.sendCommand(["GET", keys.epoch])) };
  });
}
