/** `roomgate serve --help`. */
export const SERVE_HELP = `Usage: roomgate serve [flags]

Runs the gRPC and Twirp servers. Precedence: flags > environment > config file > defaults.

Flags:
  --dev                  development mode: API key devkey (secret "secret"), client credential
                         devclient, loopback only, data in a fresh temporary directory unless --data
  -c, --config FILE      YAML config file (env ROOMGATE_CONFIG)
  --grpc-addr HOST:PORT  gRPC address (env ROOMGATE_GRPC_ADDR; default 0.0.0.0:7890, --dev 127.0.0.1:7890)
  --http-addr HOST:PORT  Twirp address (env ROOMGATE_HTTP_ADDR; default 0.0.0.0:7891, --dev 127.0.0.1:7891)
  --data DIR             data directory (env ROOMGATE_DATA_DIR; default ./data); one server per
                         directory: a second one on it exits 1
  --redis URL            share participants with other instances through Redis (redis:// or rediss://;
                         env ROOMGATE_REDIS_URL; not with --data)
  --redis-sentinel MASTER@HOST:PORT[,HOST:PORT...]
                         find the Redis primary by asking these sentinels (env ROOMGATE_REDIS_SENTINEL);
                         --redis then only gives user, password, db and TLS: redis://[user:pw@]MASTER[/db]
  --audit-log PATH       audit log of every access decision, "-" for stdout (env ROOMGATE_AUDIT_LOG;
                         default none); a line that cannot be written refuses the change
  -h, --help             show this help

Keys (merged): config keys/key_file, ROOMGATE_KEY_FILE, LIVEKIT_KEYS ("key1: secret1, key2: secret2"),
LIVEKIT_API_KEY + LIVEKIT_API_SECRET. Outside --dev every secret must be at least 32 bytes.
Other environment: ROOMGATE_LOG_LEVEL (debug|info|warn|error), ROOMGATE_REDIS_URL, ROOMGATE_REDIS_SENTINEL.

Signals: SIGHUP reloads the keys, the config file's clients and their policies, and reopens the
audit log (a failed reload, or a key file with no key in it, keeps the current ones); SIGTERM/SIGINT
stop gracefully.
`;
