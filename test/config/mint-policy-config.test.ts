import { describe, expect, it } from "vitest";
import { parseConfigFile } from "../../src/config/config-file.js";
import { hashCredential } from "../../src/core/credentials.js";

const H1 = hashCredential("sip-gateway-credential");
const H2 = hashCredential("web-backend-credential");

// The README's example, verbatim in shape.
const EXAMPLE = `clients:
  - name: sip-gateway
    sha256: ${H1}
    policy:
      grants: [sip.call]
      max_ttl: 10m
  - name: web-backend
    sha256: ${H2}
    policy:
      rooms: ["app-*"]
      identities: ["user-*"]
      grants: [roomJoin, canPublish, canSubscribe, canPublishData]
      api_keys: [APIweb]
      max_ttl: 2h
  - name: admin-tool
    sha256: ${H1.replace(/^./, "f")}
`;

const withPolicy = (policy: string): string => `clients:\n  - name: c\n    sha256: ${H1}\n    policy:\n${policy}`;

describe("client policies in the config file", () => {
  it("reads the SIP-gateway and web-backend example; a client without a policy has none", () => {
    const c = parseConfigFile(EXAMPLE, "roomgate.yaml");
    expect(c.clients!.map((x) => ({ name: x.name, policy: x.policy }))).toEqual([
      { name: "sip-gateway", policy: { grants: ["sip.call"], maxTtlSeconds: 600 } },
      {
        name: "web-backend",
        policy: {
          rooms: ["app-*"], identities: ["user-*"], grants: ["roomJoin", "canPublish", "canSubscribe", "canPublishData"], apiKeys: ["APIweb"], maxTtlSeconds: 7200,
        },
      },
      { name: "admin-tool", policy: undefined },
    ]);
  });

  it.each([
    ["an unknown grant name", "      grants: [sip.call, roomAdmn]\n", 'roomgate.yaml:5: clients[0].policy.grants[1] "roomAdmn" is not a grant name'],
    ["an unknown policy key", "      room: [a]\n", 'roomgate.yaml:5: unknown key "clients[0].policy.room" (known: grants, rooms, identities, api_keys, max_ttl)'],
    ["an empty list", "      rooms: []\n", "roomgate.yaml:5: clients[0].policy.rooms must not be empty (leave it out to allow any)"],
    ["a list that is a string", "      identities: user-*\n", "roomgate.yaml:5: clients[0].policy.identities must be a list of strings"],
    ["an empty pattern", '      rooms: ["app-*", ""]\n', 'roomgate.yaml:5: clients[0].policy.rooms[1] must be a non-empty string'],
    ["a max_ttl that is a number", "      max_ttl: 600\n", 'roomgate.yaml:5: clients[0].policy.max_ttl must be a whole-second duration of at least 1s, like "10m"'],
    ["a max_ttl under a second", "      max_ttl: 500ms\n", "roomgate.yaml:5: clients[0].policy.max_ttl must be a whole-second duration"],
    ["a policy that is not a mapping", "      - grants\n", "roomgate.yaml:5: clients[0].policy must be a mapping"],
  ])("stops on %s, naming file:line and the field", (_name, body, message) => {
    expect(() => parseConfigFile(withPolicy(body), "roomgate.yaml")).toThrow(message);
  });
});

describe("audit and metrics keys", () => {
  it("reads audit_log, audit_fsync, instance_id, metrics and metrics_addr", () => {
    const c = parseConfigFile("audit_log: /var/log/roomgate/audit.log\naudit_fsync: true\ninstance_id: gate-1\nmetrics: false\nmetrics_addr: 127.0.0.1:9100\n", "c.yaml");
    expect(c).toMatchObject({ auditLog: "/var/log/roomgate/audit.log", auditFsync: true, instanceId: "gate-1", metrics: false, metricsAddr: "127.0.0.1:9100" });
  });

  it("booleans must be true or false", () => {
    expect(() => parseConfigFile("metrics: \"no\"\n", "c.yaml")).toThrow("c.yaml:1: metrics must be true or false");
    expect(() => parseConfigFile("audit_fsync: 1\n", "c.yaml")).toThrow("c.yaml:1: audit_fsync must be true or false");
  });
});
