import { fromBinary, fromJson, toBinary, toJsonString, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { compileBinaryDecoder, createDecoderCache, zeroFactory } from "./binary-decoder.js";
import { compileJsonDecoder, createJsonDecoderCache } from "./json-decoder.js";
import { compileBinaryEncoder, createEncoderCache } from "./binary-encoder.js";
import { compileJsonEncoder, createJsonCache, type JsonWriteStyle } from "./json-encoder.js";
import { unsupportedReason } from "./support.js";
import { asBuffer } from "../bytes.js";

/** Encoders and decoder for one message type, compiled or protobuf-es's own. */
export interface MessageCodec<D extends DescMessage = DescMessage> {
  /** Bytes identical to `toBinary`. */
  encode(msg: MessageShape<D>): Buffer;
  /** The message `fromBinary` returns (throws where it throws). */
  decode(bytes: Uint8Array): MessageShape<D>;
  /** Text identical to `toJsonString(desc, msg, style)`. */
  toJson(msg: MessageShape<D>, style: JsonWriteStyle): string;
  /** The message `fromJson(desc, json, { ignoreUnknownFields: true })` returns (throws where it throws), from parsed JSON. */
  fromJson(json: unknown): MessageShape<D>;
  /** Why this type uses protobuf-es's reflective codec; undefined when it is compiled. */
  readonly fallbackReason: string | undefined;
}

/** Compiles codecs once per message type and hands out the same one afterwards. */
export interface CodecCompiler {
  /** The codec of `desc`, compiled on first request. */
  codec<D extends DescMessage>(desc: D): MessageCodec<D>;
}


function reflective(desc: DescMessage, reason: string): MessageCodec {
  return {
    encode: (msg) => asBuffer(toBinary(desc, msg)),
    decode: (bytes) => fromBinary(desc, bytes),
    toJson: (msg, style) => toJsonString(desc, msg, style),
    fromJson: (json) => fromJson(desc, json as never, { ignoreUnknownFields: true }),
    fallbackReason: reason,
  };
}

const styleKey = (s: JsonWriteStyle): string => `${s.useProtoFieldName ? 1 : 0}${s.alwaysEmitImplicit ? 1 : 0}`;

/**
 * Creates a compiler. A message type the compiled codecs do not support
 * (proto2, oneofs, wrappers, closed enums…) is served by protobuf-es, decided
 * when the type is first compiled, never per value.
 */
export function createCodecCompiler(): CodecCompiler {
  const codecs = new Map<DescMessage, MessageCodec>();
  const encoders = createEncoderCache();
  const decoders = createDecoderCache();
  const jsonDecoders = createJsonDecoderCache(zeroFactory);
  const jsonCaches = new Map<string, ReturnType<typeof createJsonCache>>();
  return {
    codec<D extends DescMessage>(desc: D): MessageCodec<D> {
      let c = codecs.get(desc);
      if (!c) {
        const reason = unsupportedReason(desc);
        if (reason) c = reflective(desc, reason);
        else {
          const encode = compileBinaryEncoder(desc, encoders);
          const decode = compileBinaryDecoder(desc, decoders);
          const readJson = compileJsonDecoder(desc, jsonDecoders);
          const json = new Map<string, (msg: MessageShape<DescMessage>) => string>();
          c = {
            encode,
            decode,
            toJson(msg, style) {
              const key = styleKey(style);
              let enc = json.get(key);
              if (!enc) {
                let cache = jsonCaches.get(key);
                if (!cache) jsonCaches.set(key, (cache = createJsonCache({ useProtoFieldName: style.useProtoFieldName, alwaysEmitImplicit: style.alwaysEmitImplicit })));
                json.set(key, (enc = compileJsonEncoder(desc, style, cache)));
              }
              return enc(msg);
            },
            fromJson: readJson,
            fallbackReason: undefined,
          };
        }
        codecs.set(desc, c);
      }
      return c as unknown as MessageCodec<D>;
    },
  };
}
