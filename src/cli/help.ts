/** `roomgate --help`. */
export const MAIN_HELP = `roomgate: mints, verifies and live-updates LiveKit-compatible access tokens

Usage:
  roomgate serve [--dev] [--config FILE] [--grpc-addr HOST:PORT] [--http-addr HOST:PORT] [--data DIR]
  roomgate token create [flags]      mint a token (the flags of lk token create)
  roomgate token verify TOKEN        verify a token and print its claims
  roomgate token decode TOKEN        print a token's header and payload, unverified
  roomgate participant join TOKEN    join as a media server would (JoinRoom)
  roomgate participant list|get|update|remove|watch   participant administration on a running roomgate

Flags:
  -h, --help       show help (also: roomgate <command> --help)
  -v, --version    print the version

Errors print "roomgate: <reason>: <message>" on stderr (serve logs JSON lines instead).
Exit codes: 0 success, 1 failure, 2 usage error.
`;
