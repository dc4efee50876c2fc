import * as grpc from "@grpc/grpc-js";
import { getLogger, log as grpcLog } from "@grpc/grpc-js/build/src/logging.js";
import { describe, expect, it } from "vitest";
import { routeGrpcLogs } from "../src/grpc-log.js";
import { createLogger } from "../src/log.js";

function capture() {
  const lines: string[] = [];
  return { log: createLogger({ level: "debug", now: () => 0, write: (l) => lines.push(l) }), parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("routeGrpcLogs", () => {
  it("turns grpc-js's own messages into JSON lines of the running servers' loggers, and puts grpc-js's logger back after the last", () => {
    const a = capture();
    const b = capture();
    const offA = routeGrpcLogs(a.log);
    grpcLog(grpc.logVerbosity.ERROR, "first %s", "message");
    const offB = routeGrpcLogs(b.log);
    grpcLog(grpc.logVerbosity.ERROR, "second");
    offA();
    grpcLog(grpc.logVerbosity.ERROR, "third");
    offB();
    offB();
    expect(a.parsed()).toEqual([
      { time: "1970-01-01T00:00:00.000Z", level: "error", component: "grpc-js", grpc: "first message", msg: "grpc-js" },
      { time: "1970-01-01T00:00:00.000Z", level: "error", component: "grpc-js", grpc: "second", msg: "grpc-js" },
    ]);
    expect(b.parsed().map((l) => l.grpc)).toEqual(["second", "third"]);
    expect(getLogger()).toBe(console);
  });

  it("a token in a grpc-js message is scrubbed like any other line", () => {
    const a = capture();
    const off = routeGrpcLogs(a.log);
    grpcLog(grpc.logVerbosity.ERROR, "bad frame eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln");
    off();
    expect(a.parsed()[0]!.grpc).toBe("bad frame [redacted-token]");
  });
});

describe("routeGrpcLogs with one logger shared by two servers", () => {
  it("keeps routing until both have stopped", () => {
    const a = capture();
    const off1 = routeGrpcLogs(a.log);
    const off2 = routeGrpcLogs(a.log);
    off1();
    grpcLog(grpc.logVerbosity.ERROR, "still routed");
    expect(getLogger()).not.toBe(console);
    off2();
    expect(getLogger()).toBe(console);
    expect(a.parsed().map((l) => l.grpc)).toEqual(["still routed"]);
  });
});
