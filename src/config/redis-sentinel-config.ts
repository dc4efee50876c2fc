import { isScalar, isSeq, type Node, type YAMLSeq } from "yaml";
import type { SentinelSettings } from "../participants/redis/connection.js";
import { splitHostPort } from "../transport/host-port.js";
import { ConfigError } from "./config-error.js";
import { mapEntries, scalarText, type MapEntry, type YamlSource } from "./yaml-source.js";

// A master name also stands as the URL's host (redis://user:pass@NAME/db), so it keeps to host characters.
const MASTER_NAME = /^[A-Za-z0-9._-]+$/;

function masterName(name: string, where: string): string {
  if (!MASTER_NAME.test(name)) throw new ConfigError(`${where}: the master name "${name}" must be letters, digits, ".", "_" or "-"`);
  return name;
}

function sentinelAddress(addr: string, where: string): { host: string; port: number } {
  let hp: { host: string; port: number };
  try {
    hp = splitHostPort(addr);
  } catch {
    throw new ConfigError(`${where}: sentinel "${addr}" is not HOST:PORT (port 1-65535; IPv6 as [::1]:PORT)`);
  }
  if (hp.host === "" || hp.port === 0) throw new ConfigError(`${where}: sentinel "${addr}" must name a host and a port from 1 to 65535`);
  return hp;
}

/** Reads `--redis-sentinel` / ROOMGATE_REDIS_SENTINEL: `NAME@host:port[,host:port…]`. */
export function parseSentinelSpec(value: string, origin: string): SentinelSettings {
  const at = value.indexOf("@");
  if (at <= 0) throw new ConfigError(`${origin} must be MASTER@HOST:PORT[,HOST:PORT…] (the name Sentinel monitors, then the sentinels)`);
  const list = value.slice(at + 1);
  if (list.trim() === "") throw new ConfigError(`${origin} lists no sentinel after "@"`);
  return {
    master: masterName(value.slice(0, at), origin),
    sentinels: list.split(",").map((a) => sentinelAddress(a.trim(), origin)),
  };
}

/** Reads the config file's `redis_sentinel: {master, sentinels: [host:port, …]}`; errors name file:line. */
export function sentinelFromYaml(src: YamlSource, e: MapEntry, path: string): SentinelSettings {
  let master: string | undefined;
  let sentinels: SentinelSettings["sentinels"] | undefined;
  for (const f of mapEntries(src, e.value, path)) {
    const where = src.where(f.keyNode);
    if (f.key === "master") {
      const v = scalarText(f.value);
      if (v === undefined || v === "") throw new ConfigError(`${where}: ${path}.master must be a non-empty string`);
      master = masterName(v, `${where}: ${path}.master`);
    } else if (f.key === "sentinels") {
      if (!isSeq(f.value)) throw new ConfigError(`${where}: ${path}.sentinels must be a list of HOST:PORT`);
      const items = (f.value as YAMLSeq<Node>).items;
      if (items.length === 0) throw new ConfigError(`${where}: ${path}.sentinels must list at least one sentinel`);
      sentinels = items.map((item, i) => {
        const v = isScalar(item) ? scalarText(item) : undefined;
        return sentinelAddress(v ?? "", `${src.where(item)}: ${path}.sentinels[${i}]`);
      });
    } else {
      throw new ConfigError(`${where}: unknown key "${path}.${f.key}" (known: master, sentinels)`);
    }
  }
  if (master === undefined || sentinels === undefined) throw new ConfigError(`${src.where(e.keyNode)}: ${path} needs both master and sentinels`);
  return { master, sentinels };
}

/**
 * The URL to connect with when Sentinel finds the primary: it only carries the user, password,
 * database and TLS, so its host must be the master name and it names no port (a host:port there
 * would contradict Sentinel's answer). Without a URL, `redis://MASTER`.
 */
export function sentinelUrl(sentinel: SentinelSettings, sentinelOrigin: string, url?: [string, string]): string {
  if (url === undefined) return `redis://${sentinel.master}`;
  const [value, origin] = url;
  const u = new URL(value);
  if (u.hostname !== sentinel.master || u.port !== "") {
    throw new ConfigError(
      `${origin} names the server "${u.host}", but ${sentinelOrigin} asks Sentinel where the primary is: ` +
        `write it as redis[s]://[user:password@]${sentinel.master}[/db] (the master name as host, no port), or leave it out`,
    );
  }
  return value;
}
