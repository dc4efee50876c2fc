// Child process for the lock test: takes the data directory's lock, says so, then idles until killed.
import { lockDataDir } from "../../src/participants/sqlite-open.js";

lockDataDir(process.argv[2]!);
process.stdout.write("locked\n");
setInterval(() => undefined, 60_000);
