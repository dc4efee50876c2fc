#!/usr/bin/env node
// Runs the TypeScript CLI directly: tsx's loader is registered first, then the entry is imported.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
