// Child process for the kill -9 tests: acknowledges each stored join on stdout, then idles until killed.
// With "burst", joins go in concurrent rounds of ten, so they share group commits.
import { createSqliteParticipantStore } from "../../src/participants/sqlite-store.js";
import { ISSUED, record } from "./fixtures.js";

const store = createSqliteParticipantStore({ dataDir: process.argv[2]! });
if (process.argv[3] === "burst") {
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 10 }, async (_, i) => {
      const n = round * 10 + i;
      await store.join(record(`b${String(n).padStart(2, "0")}`, { metadata: `m${n}` }), ISSUED);
      process.stdout.write(`acked ${n}\n`);
    }));
  }
} else {
  for (let i = 0; i < 5; i++) {
    await store.join(record(`p${i}`, { metadata: `m${i}` }), ISSUED);
    process.stdout.write(`acked ${i}\n`);
  }
}
setInterval(() => undefined, 60_000);
