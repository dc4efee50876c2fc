// roomgate/testing: a real roomgate in the calling process, for consumers' contract tests.
export { startTestServer, type TestServer, type TestServerOptions } from "./test-server.js";
