import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// CI's wire-contract guard: `buf breaking` against the committed baseline image of the released API.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BASELINE = join(ROOT, "baseline/roomgate-api.binpb");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function breaking(moduleRoot: string): Promise<{ code: number; out: string }> {
  return run("npx", ["buf", "breaking", moduleRoot, "--against", BASELINE], { cwd: ROOT }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
  );
}

describe("buf breaking against baseline/roomgate-api.binpb", () => {
  it("passes for the API as it is", async () => {
    expect(await breaking(".")).toEqual({ code: 0, out: "" });
  }, 60_000);

  it("fails for a field whose type changed in roomgate.v1", async () => {
    const copy = mkdtempSync(join(tmpdir(), "roomgate-buf-"));
    dirs.push(copy);
    cpSync(join(ROOT, "proto"), join(copy, "proto"), { recursive: true });
    cpSync(join(ROOT, "buf.yaml"), join(copy, "buf.yaml"));
    const file = join(copy, "proto/roomgate/v1/token_service.proto");
    const text = readFileSync(file, "utf8");
    const changed = text.replace(/string token = 1;/, "bytes token = 1;");
    expect(changed).not.toBe(text);
    writeFileSync(file, changed);
    const result = await breaking(copy);
    expect(result.code).toBe(100);
    expect(result.out).toContain('changed type from "string" to "bytes"');
  }, 60_000);
});
