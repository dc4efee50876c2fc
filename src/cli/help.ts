/** `roomgate --help`. */
export const MAIN_HELP = `roomgate: mints, verifies and live-updates LiveKit-compatible access tokens

Usage:
  roomgate serve [--dev] [--config FILE] [--grpc-addr HOST:PORT] [--http-addr HOST:PORT] [--data DIR]
  roomgate token create [flags]      mint a token (the flags of lk token create)
  roomgate token verify TOKEN        verify a token and print its claims
  roomgate token decode TOKEN        print a token's header and payload, unverified
  roomgate participant list|get|update|remove|watch   participant administration on a running roomgate

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
  --redis URL            share participants with other instances through Redis (redis:// or rediss://; not with --data)
  -h, --help             show this help

Keys (merged): config keys/key_file, ROOMGATE_KEY_FILE, LIVEKIT_KEYS ("key1: secret1, key2: secret2"),
LIVEKIT_API_KEY + LIVEKIT_API_SECRET. Outside --dev every secret must be at least 32 bytes.
Other environment: ROOMGATE_LOG_LEVEL (debug|info|warn|error), ROOMGATE_REDIS_URL.

Signals: SIGHUP reloads the keys and the config file's clients (a failed reload keeps the current
ones); SIGTERM/SIGINT stop gracefully.
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

const CONNECTION_HELP = `Connection and credentials:
  --server HOST:PORT         roomgate's gRPC address (env ROOMGATE_SERVER; default 127.0.0.1:7890)
  --api-key KEY              API key to sign the admin token with (env LIVEKIT_API_KEY)
  --api-secret SECRET        its secret (env LIVEKIT_API_SECRET; prefer the environment)
  --token TOKEN              send this token instead (env ROOMGATE_TOKEN)
  -h, --help                 show this help

Without --token, each command signs an admin token locally, as livekit-server-sdk's
RoomServiceClient does: video.roomAdmin for exactly --room, valid for 10 minutes.
Precedence: --token, --api-key/--api-secret, ROOMGATE_TOKEN, LIVEKIT_API_KEY/LIVEKIT_API_SECRET.
A refusal prints "roomgate: <reason>: <message>" (e.g. participant_not_found, grant_missing) and exits 1.
`;

/** `roomgate participant --help`. */
export const PARTICIPANT_HELP = `Usage:
  roomgate participant join TOKEN                    join as a media server would (JoinRoom)
  roomgate participant list --room ROOM              the room's active participants
  roomgate participant get --room ROOM --identity ID one participant, active or removed
  roomgate participant update --room ROOM --identity ID [flags]
                                                     change name, metadata, attributes, permission
  roomgate participant remove --room ROOM --identity ID [--revoke-tokens]
  roomgate participant watch --room ROOM --identity ID
                                                     print each refreshed token roomgate pushes

Like lk room participants: the identity may also be given as the last argument
(roomgate participant get --room ROOM ID), and the room of list likewise.
Run 'roomgate participant <command> --help' for the flags of each.

${CONNECTION_HELP}`;

/** `roomgate participant join --help`. */
export const PARTICIPANT_JOIN_HELP = `Usage: roomgate participant join [flags] TOKEN

Registers the participant a join token names, as a media or signalling server does when the
client connects (JoinRoom), and prints it with its first refreshed token. The token is the
credential: it must carry roomJoin, a room and an identity.

Flags:
  --server HOST:PORT         roomgate's gRPC address (env ROOMGATE_SERVER; default 127.0.0.1:7890)
  -j, --json                 print {participant, token, expires_at} as JSON
  --token-only               print only the refreshed token
  -h, --help                 show this help
`;

/** `roomgate participant list --help`. */
export const PARTICIPANT_LIST_HELP = `Usage: roomgate participant list [flags] --room ROOM

Lists the room's active participants: identity, name, state, version, permission,
metadata, attributes, last update.

Flags:
  -r, --room ROOM            room name (or the positional ROOM)
  -j, --json                 print {"participants": [...]} as JSON

${CONNECTION_HELP}`;

/** `roomgate participant get --help`. */
export const PARTICIPANT_GET_HELP = `Usage: roomgate participant get [flags] --room ROOM --identity ID

Shows one participant, active or removed.

Flags:
  -r, --room ROOM            room name
  -i, --identity ID          participant identity (or the positional ID)
  -j, --json                 print JSON; its "permission" can be passed back to update --permission

${CONNECTION_HELP}`;

/** `roomgate participant update --help`. */
export const PARTICIPANT_UPDATE_HELP = `Usage: roomgate participant update [flags] --room ROOM --identity ID

Changes a participant with LiveKit's UpdateParticipant semantics and prints it afterwards.
Every change pushes a refreshed token to its watchers (roomgate participant watch).

Flags:
  -r, --room ROOM            room name
  -i, --identity ID          participant identity (or the positional ID)
  -n, --name NAME            new display name (empty leaves it unchanged)
  --metadata TEXT            new metadata (empty leaves it unchanged)
  --attribute KEY=VALUE      set an attribute; KEY= deletes it (repeatable; others are kept)
  --permission JSON          LiveKit ParticipantPermission JSON (also --permissions, as in lk), e.g.
                             '{"canSubscribe":true,"canPublish":true,"canPublishSources":["camera"]}'
                             fields: canSubscribe, canPublish, canPublishData, canPublishSources,
                             hidden, recorder, canUpdateMetadata, agent, canSubscribeMetrics,
                             canManageAgentSession; sources: camera, microphone, screen_share,
                             screen_share_audio (CAMERA and TRACK_SOURCE_CAMERA work too)
  --can-publish true|false   build the permission set from flags instead of --permission:
  --can-subscribe true|false a flag left out takes a new token's default (canPublish and
  --can-publish-data true|false  canSubscribe true, canPublishData as canPublish, every source),
  --allow-source SOURCE      not the participant's current value (repeatable or comma-separated)
  -j, --json                 print the participant as JSON

A permission REPLACES THE WHOLE PERMISSION SET (LiveKit semantics), it is not merged:
in --permission JSON every field left out is false, so '{"canPublish":true}' alone also takes
away canSubscribe and canPublishData. An empty or absent canPublishSources allows every source.
To change one field, start from 'roomgate participant get --json ... | jq -c .permission'.
With --can-* or --allow-source the participant is read first, and a warning on stderr names
every field the new set turns off or widens that no flag asked for; the update still happens.

${CONNECTION_HELP}`;

/** `roomgate participant remove --help`. */
export const PARTICIPANT_REMOVE_HELP = `Usage: roomgate participant remove [flags] --room ROOM --identity ID

Marks a participant removed and ends its watch streams.

Flags:
  -r, --room ROOM            room name
  -i, --identity ID          participant identity (or the positional ID)
  --revoke-tokens            also refuse (token_revoked) every token of this identity for this room
                             issued up to now; tokens minted later are accepted again

${CONNECTION_HELP}`;

/** `roomgate participant watch --help`. */
export const PARTICIPANT_WATCH_HELP = `Usage: roomgate participant watch [flags] --room ROOM --identity ID

Prints one JSON line per token roomgate pushes for the participant:
  {"cause":"updated","version":3,"expires_at":"2026-01-01T00:10:00Z","token":"eyJ..."}
cause is refreshed (the current token, first, and every 5 minutes), joined, updated or removed
(the last line; its token and expires_at are null). Runs until the participant is removed or
Ctrl-C (SIGINT/SIGTERM), exiting 0 either way. The participant's own token works as --token.

Flags:
  -r, --room ROOM            room name
  -i, --identity ID          participant identity (or the positional ID)
  --token-only               print only the tokens, one per line

${CONNECTION_HELP}`;
