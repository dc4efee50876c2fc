/** `roomgate --help`. */
export const MAIN_HELP = `roomgate: mints, verifies and live-updates LiveKit-compatible access tokens

Usage:
  roomgate serve [--dev] [--config FILE] [--grpc-addr HOST:PORT] [--http-addr HOST:PORT] [--data DIR]
  roomgate token create [flags]      mint a token (the flags of lk token create)
  roomgate token verify TOKEN        verify a token and print its claims
  roomgate token decode TOKEN        print a token's header and payload, unverified
  roomgate participant ...           participant administration

Flags:
  -h, --help       show help (also: roomgate <command> --help)
  -v, --version    print the version

Exit codes: 0 success, 1 failure, 2 usage error.
`;

/** `roomgate token --help`. */
export const TOKEN_HELP = `Usage:
  roomgate token create [flags]   mint a token
  roomgate token verify TOKEN     verify a token and print its claims
  roomgate token decode TOKEN     print a token's header and payload, unverified

Run 'roomgate token <command> --help' for the flags of each.
`;

/** `roomgate serve --help`. */
export const SERVE_HELP = `Usage: roomgate serve [flags]

Runs the gRPC and Twirp servers. Precedence: flags > environment > config file > defaults.

Flags:
  --dev                  development mode: API key devkey (secret "secret"), client credential
                         devclient, loopback only, data in a fresh temporary directory unless --data
  -c, --config FILE      YAML config file (env ROOMGATE_CONFIG)
  --grpc-addr HOST:PORT  gRPC address (env ROOMGATE_GRPC_ADDR; default 0.0.0.0:7890, --dev 127.0.0.1:7890)
  --http-addr HOST:PORT  Twirp address (env ROOMGATE_HTTP_ADDR; default 0.0.0.0:7891, --dev 127.0.0.1:7891)
  --data DIR             data directory (env ROOMGATE_DATA_DIR; default ./data)
  --redis URL            shared Redis state (not supported yet)
  -h, --help             show this help

Keys (merged): config keys/key_file, ROOMGATE_KEY_FILE, LIVEKIT_KEYS ("key1: secret1, key2: secret2"),
LIVEKIT_API_KEY + LIVEKIT_API_SECRET. Outside --dev every secret must be at least 32 bytes.
Other environment: ROOMGATE_LOG_LEVEL (debug|info|warn|error), ROOMGATE_REDIS_URL.

Signals: SIGHUP reloads the keys (a failed reload keeps the current ones); SIGTERM/SIGINT stop gracefully.
`;

/** `roomgate token create --help`. */
export const TOKEN_CREATE_HELP = `Usage: roomgate token create [flags]

Mints a LiveKit access token, locally with an API key and secret, or through a running
roomgate with --server. Output like lk token create.

Credentials:
  --api-key KEY              API key (env LIVEKIT_API_KEY); with --server, picks the signing key
  --api-secret SECRET        API secret (env LIVEKIT_API_SECRET; prefer the environment)
  --server HOST:PORT         mint through roomgate's CreateToken instead of locally
  --credential CRED          client credential for --server (env ROOMGATE_CREDENTIAL)

Identity:
  -i, --identity ID          participant identity (required with --join)
  -n, --name NAME            display name (default: the identity)
  --kind KIND                standard, ingress, egress, sip, agent, connector or bridge
  --metadata TEXT            participant metadata
  --attribute KEY=VALUE      participant attribute (repeatable)

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

Lifetime and output:
  --valid-for DURATION       Go duration, e.g. 1h, 90m, 1h30m (default 5m)
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
  --server HOST:PORT    verify with a running roomgate (VerifyToken) instead
  -h, --help            show this help
`;

/** `roomgate token decode --help`. */
export const TOKEN_DECODE_HELP = `Usage: roomgate token decode TOKEN

Prints a token's header and payload as JSON without checking its signature or times.
`;
