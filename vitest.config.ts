import { spawnSync } from "node:child_process";
import { defineConfig } from "vitest/config";

// The end-to-end suites that run a second time against two instances on one Redis (contract §10:
// several instances act as one service). Suites about one process's own data directory and
// restarts run once, on the single instance.
const SHARED_E2E = [
  "test/e2e/token-plane.test.ts",
  "test/e2e/participant-auth.test.ts",
  "test/e2e/promotion.test.ts",
  "test/e2e/watch-authorization.test.ts",
  "test/e2e/watch-lifecycle.test.ts",
  "test/e2e/livekit-interop.test.ts",
  "test/e2e/grpc-services.test.ts",
  "test/e2e/audit.test.ts",
  "test/e2e/metrics.test.ts",
];

// Without a redis-server binary the Redis suites skip themselves and the second run is left out.
const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

export default defineConfig({
  test: {
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "single", include: ["test/**/*.test.ts"], provide: { deployment: "single" } } },
      ...(hasRedisServer ? [{ extends: true as const, test: { name: "redis-pair", include: SHARED_E2E, provide: { deployment: "redis-pair" as const } } }] : []),
    ],
  },
});
