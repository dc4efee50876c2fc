import { connect } from "node:net";
import { splitHostPort, type HostPort } from "../transport/host-port.js";

function hostPort(address: string): HostPort | undefined {
  try {
    return splitHostPort(address);
  } catch {
    return undefined;
  }
}

/**
 * Whether the server at `address` answers an HTTP/1.1 request, which tells a
 * gRPC client pointed at roomgate's Twirp port apart from other protocol errors.
 */
export function speaksHttp1(address: string, timeoutMs = 1000): Promise<boolean> {
  const target = hostPort(address);
  if (!target) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect(target);
    let answer = "";
    const finish = (yes: boolean) => {
      socket.destroy();
      resolve(yes);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => socket.write(`HEAD / HTTP/1.1\r\nHost: ${address}\r\nConnection: close\r\n\r\n`));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
      if (answer.length >= 9) finish(/^HTTP\/1\.[01] /.test(answer));
    });
    socket.once("end", () => finish(/^HTTP\/1\.[01] /.test(answer)));
  });
}
