import { encodePayload } from "../core/claims-codec.js";
import type { ClaimGrants, JsonValue } from "../core/grants.js";

/**
 * ClaimGrants as LiveKit's Go JSON prints them (`lk token create` output):
 * identity first, then the grant claims in Go's field order, unset fields omitted.
 */
export function grantsJson(g: ClaimGrants): Record<string, JsonValue> {
  const payload: Record<string, JsonValue> = encodePayload({ iss: "", exp: 0, nbf: 0, iat: 0 }, g);
  for (const registered of ["iss", "sub", "exp", "nbf", "iat"]) delete payload[registered];
  return g.identity ? { identity: g.identity, ...payload } : payload;
}

/** Two-space indented JSON plus a newline, like Go's json.MarshalIndent output that lk prints. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
