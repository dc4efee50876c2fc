const CONNECTION_HELP = `Connection and credentials:
  --url ADDRESS              roomgate: HOST:PORT of its gRPC port or http(s)://HOST:PORT of its HTTP
                             (Twirp) port; also --server. Env ROOMGATE_SERVER, else LIVEKIT_URL (as lk);
                             default 127.0.0.1:7890. watch needs the gRPC port
  --api-key KEY              API key to sign the admin token with (env LIVEKIT_API_KEY)
  --api-secret SECRET        its secret (env LIVEKIT_API_SECRET; prefer the environment)
  --token TOKEN              send this token instead (env ROOMGATE_TOKEN)
  -h, --help                 show this help

Without --token, each command signs an admin token locally, as livekit-server-sdk's
RoomServiceClient does: video.roomAdmin for exactly --room, valid for 10 minutes.
Precedence: --token, --api-key/--api-secret, ROOMGATE_TOKEN, LIVEKIT_API_KEY/LIVEKIT_API_SECRET.
A refusal prints "roomgate: <reason>: <message>" (e.g. participant_not_found, grant_missing) and exits 1;
when the refused token is the one the command signed, the message says so and names the key.
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
  --url ADDRESS              roomgate: HOST:PORT (gRPC) or http(s)://HOST:PORT (Twirp); also --server.
                             Env ROOMGATE_SERVER, else LIVEKIT_URL; default 127.0.0.1:7890
  -j, --json                 print {participant, token, expiresAt} as JSON
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
  {"cause":"updated","version":3,"expiresAt":"2026-01-01T00:10:00Z","token":"eyJ..."}
cause is refreshed (the current token, first, and every 5 minutes), joined, updated or removed
(the last line; its token and expiresAt are null). Runs until the participant is removed or
Ctrl-C (SIGINT/SIGTERM), exiting 0 either way. The participant's own token works as --token.
The server ends a watch when the token it was opened with expires or is revoked: with a token
this command signs (from the API key), it signs a new one and watches on; with --token or
ROOMGATE_TOKEN it exits 1 with the reason.

Flags:
  -r, --room ROOM            room name
  -i, --identity ID          participant identity (or the positional ID)
  --token-only               print only the tokens, one per line

${CONNECTION_HELP}`;
