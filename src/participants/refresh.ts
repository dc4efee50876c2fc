import { encodePayload } from "../core/claims-codec.js";
import { isParticipantKind, type ClaimGrants } from "../core/grants.js";
import type { HmacKey } from "../core/hmac-key.js";
import { signJwt } from "../core/jwt.js";
import type { MintedToken } from "../core/minting.js";
import type { ParticipantRecord } from "./model.js";

/** LiveKit's kind round trip (kindToProto, then lowercase): a known kind in any case, else "standard". */
export function refreshKind(kind: string): string {
  const lower = kind.toLowerCase();
  return isParticipantKind(lower) ? lower : "standard";
}

/**
 * The claims of a refreshed token, as LiveKit's `refreshToken` copies them:
 * name, identity, kind (always, "standard" when none or unknown), metadata,
 * attributes, video, roomConfig, roomPreset. sip, agent, inference,
 * observability, kindDetails and sha256 are dropped (livekit-auth.md §4.5).
 */
export function refreshGrants(r: ParticipantRecord): ClaimGrants {
  const g: ClaimGrants = {
    identity: r.identity,
    name: r.name,
    kind: refreshKind(r.kind),
    metadata: r.metadata,
    attributes: { ...r.attributes },
    video: structuredClone(r.video),
  };
  if (r.roomConfig !== undefined) g.roomConfig = structuredClone(r.roomConfig);
  if (r.roomPreset !== undefined) g.roomPreset = r.roomPreset;
  return g;
}

/** LiveKit's refresh lifetime: the minimum ttl, or the time left on the join token if that is longer ("preserve original expiry"). */
export function refreshTtlSeconds(r: ParticipantRecord, nowSec: number, minTtlSeconds: number): number {
  return Math.max(minTtlSeconds, r.joinExpiresAt - nowSec);
}

/**
 * Mints a refreshed token. It is issued no earlier than one second after the
 * identity's revocation watermark, so a rejoin in the second of a revocation
 * does not hand out a token that is refused on arrival. Signed here rather than
 * through `mintToken` because refreshed tokens carry LiveKit's extra `identity`
 * claim and the refresh rule, not the CreateToken cap, decides their lifetime.
 */
export function mintRefreshToken(key: HmacKey, r: ParticipantRecord, nowSec: number, minTtlSeconds: number, revokedThrough?: number): MintedToken {
  const issuedAt = revokedThrough === undefined ? nowSec : Math.max(nowSec, revokedThrough + 1);
  const expiresAt = issuedAt + Math.floor(refreshTtlSeconds(r, issuedAt, minTtlSeconds));
  const grants = refreshGrants(r);
  const payload = encodePayload({ iss: key.apiKey, sub: r.identity, exp: expiresAt, nbf: issuedAt, iat: issuedAt }, grants, { identityClaim: true });
  return { token: signJwt(key, payload), apiKey: key.apiKey, grants, issuedAt, notBefore: issuedAt, expiresAt };
}
