import { format } from "node:util";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "./log.js";

// grpc-js keeps ONE logger for the whole process (grpc.setLogger); it cannot tell which server a
// message concerns. This set is therefore the one piece of process-wide state roomgate keeps: the
// loggers of the servers running now. While it is non-empty, grpc-js's messages go to each of them;
// when the last server stops, grpc-js's own console logger is put back.
// Entries are boxed so that two servers sharing one logger object (silentLogger) are still two entries.
const routed = new Set<{ log: Logger }>();

function forward(level: "error" | "info" | "debug") {
  return (message?: unknown, ...rest: unknown[]): void => {
    const text = format(message, ...rest);
    for (const { log } of routed) log[level]("grpc-js", { grpc: text });
  };
}

const FORWARDER: Partial<Console> = { error: forward("error"), info: forward("info"), debug: forward("debug") };

/**
 * Routes grpc-js's own log messages (normally bare lines on stderr) through
 * `log` until the returned function is called. Process-wide by grpc-js's
 * design: with several servers in one process, each running server's logger
 * receives every grpc-js message.
 */
export function routeGrpcLogs(log: Logger): () => void {
  const entry = { log: log.child({ component: "grpc-js" }) };
  routed.add(entry);
  if (routed.size === 1) grpc.setLogger(FORWARDER);
  return () => {
    if (!routed.delete(entry)) return;
    if (routed.size === 0) grpc.setLogger(console);
  };
}
