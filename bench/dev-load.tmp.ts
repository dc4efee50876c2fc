import { runGrpcLoad } from "./grpc-load.js";
import { runTwirpLoad } from "./twirp-load.js";
const which = process.argv[2] ?? "both";
const opts = { inFlight: [64], rounds: Number(process.argv[3] ?? 3), requests: Number(process.argv[4] ?? 10000), warmup: 2000 };
if (which !== "twirp") console.log(JSON.stringify(await runGrpcLoad(opts), null, 1));
if (which !== "grpc") console.log(JSON.stringify(await runTwirpLoad(opts), null, 1));
