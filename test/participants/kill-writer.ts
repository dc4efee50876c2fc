// Child process for the kill -9 test: acknowledges each stored join on stdout, then idles until killed.
import { createSqliteParticipantStore } from "../../src/participants/sqlite-store.js";
import { ISSUED, record } from "./fixtures.js";

const store = createSqliteParticipantStore({ dataDir: process.argv[2]! });
for (let i = 0; i < 5; i++) {
  await store.join(record(`p${i}`, { metadata: `m${i}` }), ISSUED);
  process.stdout.write(`acked ${i}\n`);
}
setInterval(() => undefined, 60_000);
