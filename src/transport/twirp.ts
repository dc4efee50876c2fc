import type { IncomingMessage, ServerResponse } from "node:http";
import type { DescMessage, DescService, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import { invalidArgument } from "../core/errors.js";
import type { Logger } from "../log.js";
import { bearerCredential, type CallContext } from "./call-context.js";
import { createCodecCompiler, type CodecCompiler, type MessageCodec } from "./codec/codec.js";
import type { ServiceImpl } from "./grpc-adapter.js";
import { TWIRP_STATUS, toTwirpError, type TwirpErrorBody, type TwirpErrorTable } from "./status.js";
import { isThenable } from "./maybe-async.js";

/** Twirp's path prefix. */
export const TWIRP_PREFIX = "/twirp";

/** How a service's JSON responses are written. */
export interface TwirpJsonStyle {
  /** snake_case proto names instead of lowerCamelCase JSON names. */
  useProtoFieldName: boolean;
  /** Emit fields that hold their default value. */
  alwaysEmitImplicit: boolean;
  /** The status table errors are answered with; roomgate's when absent. */
  errors?: TwirpErrorTable;
}

/** Canonical proto3 JSON: camelCase names (LiveKit's claim names), defaults omitted. */
export const CANONICAL_JSON: TwirpJsonStyle = { useProtoFieldName: false, alwaysEmitImplicit: false };
/** What LiveKit's Go Twirp servers write: proto names, every field. */
export const LIVEKIT_JSON: TwirpJsonStyle = { useProtoFieldName: true, alwaysEmitImplicit: true };
/** What LiveKit's RoomService answers: its JSON style and its status table. */
export const LIVEKIT_ROUTES: TwirpJsonStyle = { ...LIVEKIT_JSON, errors: "livekit" };

interface Route {
  json: TwirpJsonStyle;
  name: string;
  fn: (req: unknown, ctx: CallContext) => unknown;
  input: MessageCodec;
  output: MessageCodec;
}

/** Routes Twirp requests (unary methods only: Twirp has no streaming) to service implementations. */
export interface TwirpRouter {
  /** Adds a service's unary methods under `/twirp/<package>.<Service>/<Method>`. */
  add<S extends GenServiceMethods>(service: GenService<S>, impl: Partial<ServiceImpl<S>>, json?: TwirpJsonStyle): void;
  /** Handles a request under the prefix; returns false when the path is not Twirp's. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

type Encoding = "json" | "protobuf";

function writeError(res: ServerResponse, status: number, body: TwirpErrorBody): void {
  const text = JSON.stringify(body);
  // Exactly application/json: livekit-server-sdk only parses error bodies with that content type.
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function badRoute(res: ServerResponse, msg: string, route: string): void {
  writeError(res, TWIRP_STATUS.bad_route, { code: "bad_route", msg, meta: { twirp_invalid_route: route } });
}

// Events rather than an async iterator: the iterator's promise machinery cost more than the rest
// of a small call. Past the limit it answers at once (the caller then closes the connection) and drops the rest.
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      over = true;
      chunks.length = 0;
      resolve(undefined);
    });
    req.on("end", () => {
      if (!over) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/**
 * A Twirp call's context whose AbortController is made on first use of
 * `signal`: most handlers never look at it, and making one per call cost
 * more than decoding the request.
 */
class TwirpCallContext implements CallContext {
  credential?: string;
  private controller: AbortController | undefined;
  private gone = false;

  constructor(res: ServerResponse, credential: string | undefined) {
    if (credential !== undefined) this.credential = credential;
    // "close" also follows every completed response; only a client gone mid-call is an abort.
    res.once("close", () => {
      if (res.writableFinished) return;
      this.gone = true;
      this.controller?.abort();
    });
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.gone) this.controller.abort();
    }
    return this.controller.signal;
  }
}


function decodeBody(route: Route, enc: Encoding, raw: Buffer): MessageShape<DescMessage> {
  if (enc === "protobuf") return route.input.decode(raw);
  const text = raw.toString("utf8");
  return route.input.fromJson(text.trim() === "" ? {} : JSON.parse(text));
}

/** Creates a Twirp router; errors go through the same mapping as gRPC (status.ts). */
export function createTwirpRouter(deps: { log: Logger; maxRequestBytes: number; codecs?: CodecCompiler }): TwirpRouter {
  const routes = new Map<string, Route>();
  const codecs = deps.codecs ?? createCodecCompiler();
  return {
    add(service, impl, json = CANONICAL_JSON) {
      const desc = service as unknown as DescService;
      for (const m of desc.methods) {
        const fn = (impl as Record<string, unknown>)[m.localName];
        if (m.methodKind !== "unary" || typeof fn !== "function") continue;
        routes.set(`${TWIRP_PREFIX}/${desc.typeName}/${m.name}`, {
          json,
          name: `${desc.typeName}/${m.name}`,
          fn: fn as Route["fn"],
          input: codecs.codec(m.input),
          output: codecs.codec(m.output),
        });
      }
    },
    async handle(req, res) {
      const path = (req.url ?? "").split("?")[0]!;
      if (!path.startsWith(`${TWIRP_PREFIX}/`)) return false;
      const routeText = `${req.method} ${path}`;
      if (req.method !== "POST") {
        badRoute(res, `unsupported method "${req.method}" (only POST is allowed)`, routeText);
        return true;
      }
      const route = routes.get(path);
      if (!route) {
        badRoute(res, `no handler for path "${path}"`, routeText);
        return true;
      }
      const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      const enc: Encoding | undefined = ct === "application/json" ? "json" : ct === "application/protobuf" ? "protobuf" : undefined;
      if (!enc) {
        badRoute(res, `unexpected Content-Type: "${req.headers["content-type"] ?? ""}"`, routeText);
        return true;
      }
      const raw = await readBody(req, deps.maxRequestBytes);
      if (!raw) {
        const { status, body } = toTwirpError(invalidArgument("body", `exceeds ${deps.maxRequestBytes} bytes`), deps.log, route.name);
        res.setHeader("Connection", "close");
        writeError(res, status, body);
        return true;
      }
      let input: MessageShape<DescMessage>;
      try {
        input = decodeBody(route, enc, raw);
      } catch {
        writeError(res, TWIRP_STATUS.malformed, {
          code: "malformed",
          msg: `the ${enc} request could not be decoded`,
          meta: { reason: "invalid_argument", argument: "body" },
        });
        return true;
      }
      const ctx = new TwirpCallContext(res, bearerCredential(req.headers.authorization));
      try {
        const result = route.fn(input, ctx);
        const out = (isThenable(result) ? await result : result) as MessageShape<DescMessage>;
        if (enc === "json") {
          // A string body goes out with the headers in one write; a Buffer would take a second one.
          const text = route.output.toJson(out, route.json);
          res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
          res.end(text);
        } else {
          const body = route.output.encode(out);
          res.writeHead(200, { "Content-Type": "application/protobuf", "Content-Length": body.byteLength });
          res.end(body);
        }
      } catch (err) {
        const { status, body } = toTwirpError(err, deps.log, route.name, route.json.errors);
        writeError(res, status, body);
      }
      return true;
    },
  };
}
