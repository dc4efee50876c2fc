/** `roomgate token --help`. */
export const TOKEN_HELP = `Usage:
  roomgate token create [flags]   mint a token
  roomgate token verify TOKEN     verify a token and print its claims
  roomgate token decode TOKEN     print a token's header and payload, unverified

Run 'roomgate token <command> --help' for the flags of each.
`;

/** `roomgate token create --help`. */
export const TOKEN_CREATE_HELP = `Usage: roomgate token create [flags]

Mints a LiveKit access token, locally with an API key and secret, or through a running
roomgate with --server. Output like lk token create.

Credentials:
  --api-key KEY              API key (env LIVEKIT_API_KEY); with --server, picks the signing key
  --api-secret SECRET        API secret (env LIVEKIT_API_SECRET; prefer the environment)
  --server ADDRESS           mint through roomgate's CreateToken instead of locally: HOST:PORT of
                             its gRPC port or http(s)://HOST:PORT of its HTTP (Twirp) port
  --credential CRED          client credential for --server (env ROOMGATE_CREDENTIAL)

Identity:
  -i, --identity ID          participant identity (required with --join)
  -n, --name NAME            display name (default: the identity)
  --kind KIND                standard, ingress, egress, sip, agent, connector or bridge (any case)
  --metadata TEXT            participant metadata
  --attribute KEY=VALUE      participant attribute (repeatable)
  --attribute-file FILE      attributes from a JSON object of strings (--attribute wins)

Grants:
  -r, --room ROOM            room name (required with --join and --admin)
  --join                     roomJoin
  --admin                    roomAdmin
  --create                   roomCreate
  --list                     roomList
  --egress                   roomRecord
  --ingress                  ingressAdmin
  --inference                inference.perform
  --sip-admin                sip.admin
  --sip-call                 sip.call
  --allow-source SOURCE      camera, microphone, screen_share, screen_share_audio (repeatable or comma-separated)
  --allow-update-metadata    canUpdateOwnMetadata
  --can-publish true|false   canPublish (unset: LiveKit's default, true)
  --can-subscribe true|false canSubscribe (unset: true)
  --can-publish-data true|false  canPublishData (unset: same as canPublish)
  --hidden                   hidden
  --grant JSON               VideoGrant JSON merged over the flags, e.g. '{"canPublish":false}'
  --room-config JSON         roomConfig (LiveKit's RoomConfiguration as JSON); egress storage
                             credentials (S3/AliOSS secret, GCP credentials, Azure account key,
                             stream outputs) are refused, as LiveKit's AccessToken refuses them
                             (unknown fields are ignored with a warning, as lk ignores them)

Agent dispatch (roomConfig):
  --agent NAME               dispatch this agent to the room when it starts
  --job-metadata TEXT        metadata for the agent's job (needs --agent)

Lifetime and output:
  --valid-for DURATION       what Go's time.ParseDuration takes, e.g. 1h, 90m, 1h30m, 1.5h
                             (units ns, us, ms, s, m, h; default 5m). With --server, stderr says
                             "valid for (mins): N" and warns when the server cut the lifetime
  -j, --json                 print {access_token, identity, name, room, grants} as JSON
  --token-only               print only the token
  -h, --help                 show this help
`;

/** `roomgate token verify --help`. */
export const TOKEN_VERIFY_HELP = `Usage: roomgate token verify [flags] TOKEN

Verifies a token (HS256, exp required, 60 s leeway) and prints its claims as JSON.
Exits 1 with the reason (e.g. token_expired, token_signature_invalid) when it does not verify.

Flags:
  --api-key KEY         API key (env LIVEKIT_API_KEY)
  --api-secret SECRET   API secret (env LIVEKIT_API_SECRET)
  --server ADDRESS      verify with a running roomgate (VerifyToken) instead: HOST:PORT (gRPC)
                        or http(s)://HOST:PORT (Twirp)
  -h, --help            show this help
`;

/** `roomgate token decode --help`. */
export const TOKEN_DECODE_HELP = `Usage: roomgate token decode TOKEN

Prints a token's header and payload as JSON without checking its signature or times.
`;
