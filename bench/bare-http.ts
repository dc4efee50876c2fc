import * as http from "node:http";

// The least an HTTP JSON endpoint does: read the body, parse it, answer with a small JSON object.
/** A bare node:http JSON handler on 127.0.0.1: the floor the Twirp figures are divided by. */
export function startBareServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.stringify({ echoed: Object.keys(JSON.parse(Buffer.concat(chunks).toString("utf8")) as object).length });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
