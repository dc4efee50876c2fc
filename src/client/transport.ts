import type { DescMessage, DescMethod, MessageShape } from "@bufbuild/protobuf";

/** How one call is made: its bearer credential, absolute deadline and cancellation. */
export interface CallSetup {
  /** Sent as `authorization: Bearer <bearer>`. */
  bearer?: string;
  /** Absolute deadline (epoch ms); none for an open-ended stream. */
  deadline?: number;
  signal?: AbortSignal;
}

/** A server stream the client reads at its own pace. */
export interface StreamCall<T> extends AsyncIterable<T> {
  /** Ends the call; the iteration then ends without an error. */
  cancel(): void;
}

/** One wire protocol (gRPC or Twirp) under the typed client. */
export interface Transport {
  /** What the client is connected to, for messages. */
  readonly address: string;
  unary(method: DescMethod, req: MessageShape<DescMessage>, setup: CallSetup): Promise<MessageShape<DescMessage>>;
  stream(method: DescMethod, req: MessageShape<DescMessage>, setup: CallSetup): StreamCall<MessageShape<DescMessage>>;
  close(): void;
}
