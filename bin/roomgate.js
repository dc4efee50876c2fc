#!/usr/bin/env node
// In a checkout (src/ present) the TypeScript CLI runs through tsx's loader; an installed package runs the compiled dist/.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import("../dist/src/cli/main.js");
}
