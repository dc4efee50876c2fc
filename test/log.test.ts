import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";

function capture(level: "debug" | "info" | "warn" | "error" = "debug") {
  const lines: string[] = [];
  const log = createLogger({ level, write: (l) => lines.push(l), now: () => Date.UTC(2026, 0, 1) });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl";

describe("logger", () => {
  it("writes one JSON object per line with time, level and fields", () => {
    const { log, lines, parsed } = capture();
    log.child({ component: "grpc" }).info("started", { port: 7890 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(parsed()[0]).toEqual({ time: "2026-01-01T00:00:00.000Z", level: "info", msg: "started", component: "grpc", port: 7890 });
  });

  it("drops lines below the level", () => {
    const { log, lines } = capture("warn");
    log.info("quiet");
    log.debug("quieter");
    log.error("loud");
    expect(lines).toHaveLength(1);
  });

  it("never writes a token or a secret, wherever it appears", () => {
    const { log, lines } = capture();
    log.error(`failed for ${TOKEN}`, {
      token: "anything",
      secret: "s3cret-value",
      apiSecret: "s3cret-value",
      authorization: "Bearer abc",
      nested: { note: `value ${TOKEN}`, credential: "c" },
      cause: new Error(`boom ${TOKEN}`),
    });
    const text = lines.join("");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("s3cret-value");
    expect(text).not.toContain("Bearer abc");
    expect(text).toContain("[redacted-token]");
    expect(text).toContain('"boom [redacted-token]"');
  });
});

describe("logger on pino", () => {
  it("redacts secret-named fields one level down through pino's redact paths, whatever the case of deeper ones", () => {
    const { log, lines } = capture();
    log.info("call", { req: { token: "t0k", authorization: "x", Api_Secret: "s" }, outer: { inner: { PASSWORD: "p" } } });
    expect(JSON.parse(lines[0]!)).toMatchObject({ req: { token: "[redacted]", authorization: "[redacted]", Api_Secret: "[redacted]" }, outer: { inner: { PASSWORD: "[redacted]" } } });
  });

  it("a child's bindings are scrubbed too", () => {
    const { log, lines } = capture();
    log.child({ credential: "c", note: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln" }).warn("w");
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", credential: "[redacted]", note: "[redacted-token]" });
  });

  it("writes to a file descriptor synchronously", async () => {
    const { mkdtempSync, openSync, readFileSync, closeSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "roomgate-log-"));
    const fd = openSync(join(dir, "log"), "w");
    createLogger({ level: "info", now: () => 0, fd }).info("to fd", { n: 1 });
    expect(JSON.parse(readFileSync(join(dir, "log"), "utf8"))).toEqual({ time: "1970-01-01T00:00:00.000Z", level: "info", msg: "to fd", n: 1 });
    closeSync(fd);
    rmSync(dir, { recursive: true });
  });
});
