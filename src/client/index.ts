// roomgate/client: the typed client of roomgate's gRPC and Twirp API, with the generated message types.
export { createRoomgateClient, type CallOptions, type CheckOptions, type ParticipantsClient, type RoomgateClient, type RoomgateClientOptions, type TokensClient } from "./client.js";
export { Code, RoomgateError } from "./errors.js";
export type { RetryPolicy } from "./retry.js";
export type { StreamCall } from "./transport.js";
export { create } from "@bufbuild/protobuf";
export * from "../../gen/roomgate/v1/grants_pb.js";
export * from "../../gen/roomgate/v1/token_service_pb.js";
export * from "../../gen/roomgate/v1/participant_service_pb.js";
