import { readFileSync } from "node:fs";
import { RoomgateError } from "../../src/core/errors.js";
import { createHmacKey, type HmacKey } from "../../src/core/hmac-key.js";
import type { KeyLookup } from "../../src/core/jwt.js";

/** Reads a JSON file from test/vectors. */
export function loadVector<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${file}`, import.meta.url), "utf8")) as T;
}

/** A key lookup over a plain name→secret table, as a KeyRing would answer. */
export function keyLookup(secrets: Record<string, string>): KeyLookup {
  const keys = new Map<string, HmacKey>(Object.entries(secrets).map(([k, s]) => [k, createHmacKey(k, s)]));
  return (apiKey) => keys.get(apiKey);
}

/** Runs `run` and returns the RoomgateError it throws; anything else fails the test. */
export function failure(run: () => unknown): RoomgateError {
  try {
    run();
  } catch (err) {
    if (err instanceof RoomgateError) return err;
    throw err;
  }
  throw new Error("expected a RoomgateError, nothing was thrown");
}
