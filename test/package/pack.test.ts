import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The package as a consumer gets it: npm pack, the tarball unpacked into an empty project's node_modules (its
// dependencies linked from this checkout, minus better-sqlite3, so nothing can load the native module), then
// the consumer type-checks and runs the README's SIP gateway contract test against roomgate/testing.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = join(ROOT, "examples/sip-gateway/sip-gateway.contract.test.ts");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// CI builds first (npm run build); a checkout whose dist/ is missing or older than its sources is rebuilt here.
async function ensureBuilt(): Promise<void> {
  const marker = join(ROOT, "dist/src/client/index.js");
  if (existsSync(marker) && statSync(marker).mtimeMs >= Math.max(newestMtime(join(ROOT, "src")), newestMtime(join(ROOT, "gen")))) return;
  await run("npm", ["run", "build"], { cwd: ROOT });
}

let work: string;
let consumer: string;
let packed: { filename: string; files: { path: string }[] };

beforeAll(async () => {
  await ensureBuilt();
  work = mkdtempSync(join(tmpdir(), "roomgate-pack-"));
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: ROOT });
  packed = (JSON.parse(stdout) as (typeof packed)[])[0]!;

  consumer = join(work, "consumer");
  const installed = join(consumer, "node_modules/roomgate");
  mkdirSync(installed, { recursive: true });
  await run("tar", ["-xzf", join(work, packed.filename), "-C", installed, "--strip-components=1"]);
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name === "roomgate" || name === "better-sqlite3" || name.startsWith(".")) continue;
    symlinkSync(join(ROOT, "node_modules", name), join(consumer, "node_modules", name));
  }
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "sip-gateway", private: true, type: "module", dependencies: { roomgate: `file:../${packed.filename}` } }));
  writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"] },
    include: ["test", "types.ts"],
  }));
  mkdirSync(join(consumer, "test"));
  cpSync(EXAMPLE, join(consumer, "test/sip-gateway.contract.test.ts"));
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("ships the compiled client, testing and CLI, the protos and generated code, and no sources or tests", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining([
      "package.json", "README.md", "bin/roomgate.js", "buf.yaml",
      "dist/src/client/index.js", "dist/src/client/index.d.ts", "dist/src/testing/index.js", "dist/src/testing/index.d.ts",
      "dist/src/cli/main.js", "dist/gen/roomgate/v1/token_service_pb.js", "dist/gen/roomgate/v1/token_service_pb.d.ts",
      "proto/roomgate/v1/token_service.proto", "proto/roomgate/v1/participant_service.proto", "gen/roomgate/v1/token_service_pb.ts",
    ]));
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/") || f.startsWith("bench/"))).toEqual([]);
  });

  it("type-checks a consumer, with real types (misuse is a type error)", async () => {
    writeFileSync(join(consumer, "types.ts"), [
      'import { createRoomgateClient, RoomgateError, type VerifyTokenResponse } from "roomgate/client";',
      'import { TokenService } from "roomgate/gen/roomgate/v1/token_service_pb.js";',
      'import { startTestServer } from "roomgate/testing";',
      'const client = createRoomgateClient({ address: "127.0.0.1:1" });',
      "export const checked: Promise<VerifyTokenResponse> = client.check(\"t\");",
      "export const service: string = TokenService.typeName;",
      "export const code = (e: RoomgateError): number => e.code;",
      "export const started = startTestServer;",
      "// @ts-expect-error createToken takes a CreateTokenRequest, not a string",
      'void client.tokens.createToken("t");',
      "// @ts-expect-error the client is returned at once, not as a promise",
      "void createRoomgateClient({ address: \"x\" }).then;",
      "",
    ].join("\n"));
    const tsc = join(consumer, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", consumer]).then(() => "ok", (e: { stdout: string }) => e.stdout);
    expect(result).toBe("ok");
  }, 120_000);

  it("runs the README's SIP gateway contract test against the packed roomgate/testing", async () => {
    const vitest = join(consumer, "node_modules/vitest/vitest.mjs");
    const { stdout } = await run(process.execPath, [vitest, "run", "--root", consumer, "--reporter=json"], { cwd: consumer, timeout: 120_000 });
    const report = JSON.parse(stdout) as { numPassedTests: number; numFailedTests: number };
    expect([report.numPassedTests, report.numFailedTests]).toEqual([4, 0]);
  }, 150_000);

  it("client and testing load no native module, and better-sqlite3 is not even installed", async () => {
    writeFileSync(join(consumer, "no-native.mjs"), [
      'import { createRoomgateClient } from "roomgate/client";',
      'import { startTestServer } from "roomgate/testing";',
      "const srv = await startTestServer();",
      "const client = createRoomgateClient({ address: srv.grpcAddress, credential: srv.credential });",
      'const { token } = await client.tokens.createToken({ claims: { identity: "a", video: { roomJoin: true, room: "r" } } });',
      "const joined = await client.participants.joinRoom({ token });",
      "client.close();",
      "await srv.stop();",
      "const native = process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node'));",
      "console.log(JSON.stringify({ joined: joined.participant.identity, native }));",
      "",
    ].join("\n"));
    const { stdout } = await run(process.execPath, ["no-native.mjs"], { cwd: consumer, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ joined: "a", native: [] });
  }, 90_000);

  it("the installed CLI runs from dist without tsx", async () => {
    const bin = join(consumer, "node_modules/roomgate/bin/roomgate.js");
    const version = await run(process.execPath, [bin, "--version"], { cwd: consumer });
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(version.stdout).toBe(`roomgate ${pkg.version}\n`);
    const minted = await run(process.execPath, [bin, "token", "create", "--api-key", "devkey", "--api-secret", "secret", "-i", "a", "-r", "r", "--join", "--token-only"], { cwd: consumer });
    expect(minted.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  }, 60_000);
});
