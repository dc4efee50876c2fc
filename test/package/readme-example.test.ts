import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The README's worked example is the file that CI runs against the packed package (test/package/pack.test.ts).
describe("README worked example", () => {
  it("shows examples/sip-gateway/sip-gateway.contract.test.ts exactly", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../../examples/sip-gateway/sip-gateway.contract.test.ts", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\`\n`);
  });

  it("imports only the package's public exports", () => {
    const example = readFileSync(new URL("../../examples/sip-gateway/sip-gateway.contract.test.ts", import.meta.url), "utf8");
    const imports = [...example.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    expect(imports).toEqual(["vitest", "roomgate/client", "roomgate/testing"]);
  });
});
