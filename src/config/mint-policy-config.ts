import { isScalar, isSeq, type Node, type YAMLSeq } from "yaml";
import { parseDuration } from "../core/duration.js";
import { GRANT_NAMES, isGrantName, type GrantName } from "../core/effective-grants.js";
import type { MintPolicy } from "../core/mint-policy.js";
import { ConfigError } from "./config-error.js";
import { isPlainKeyName, mapEntries, scalarText, type MapEntry, type YamlSource } from "./yaml-source.js";

const KNOWN = ["grants", "rooms", "identities", "api_keys", "max_ttl"];

function stringList(src: YamlSource, e: MapEntry, path: string): string[] {
  if (!isSeq(e.value)) throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a list of strings`);
  const items = (e.value as YAMLSeq<Node>).items;
  if (items.length === 0) throw new ConfigError(`${src.where(e.keyNode)}: ${path} must not be empty (leave it out to allow any)`);
  return items.map((item, i) => {
    const v = isScalar(item) ? scalarText(item) : undefined;
    if (v === undefined || v === "") throw new ConfigError(`${src.where(item)}: ${path}[${i}] must be a non-empty string`);
    return v;
  });
}

function grantList(src: YamlSource, e: MapEntry, path: string): GrantName[] {
  const names = stringList(src, e, path);
  const items = (e.value as YAMLSeq<Node>).items;
  return names.map((n, i) => {
    if (!isGrantName(n)) throw new ConfigError(`${src.where(items[i])}: ${path}[${i}] "${n}" is not a grant name (known: ${GRANT_NAMES.join(", ")})`);
    return n;
  });
}

function maxTtl(src: YamlSource, e: MapEntry, path: string): number {
  const ms = isScalar(e.value) && typeof e.value.value === "string" ? parseDuration(e.value.value) : undefined;
  if (ms === undefined || ms % 1000 !== 0 || ms < 1000) {
    throw new ConfigError(`${src.where(e.keyNode)}: ${path} must be a whole-second duration of at least 1s, like "10m"`);
  }
  return ms / 1000;
}

/**
 * Reads a client's `policy:` mapping (contract §13). Every error names
 * `file:line` and the field (`clients[0].policy.grants[1]`); grant names
 * must be known, lists non-empty, max_ttl a duration.
 */
export function mintPolicyFromYaml(src: YamlSource, node: Node | null, path: string): MintPolicy {
  const policy: MintPolicy = {};
  for (const e of mapEntries(src, node, path)) {
    const at = `${path}.${e.key}`;
    switch (e.key) {
      case "grants": policy.grants = grantList(src, e, at); break;
      case "rooms": policy.rooms = stringList(src, e, at); break;
      case "identities": policy.identities = stringList(src, e, at); break;
      case "api_keys": policy.apiKeys = stringList(src, e, at); break;
      case "max_ttl": policy.maxTtlSeconds = maxTtl(src, e, at); break;
      default:
        throw new ConfigError(`${src.where(e.keyNode)}: unknown key ${isPlainKeyName(e.key) ? `"${at}"` : `in ${path}`} (known: ${KNOWN.join(", ")})`);
    }
  }
  return policy;
}
