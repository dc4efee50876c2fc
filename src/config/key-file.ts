import { ConfigError } from "./config-error.js";
import { isPlainKeyName, mapEntries, parseYaml, scalarText, type YamlSource } from "./yaml-source.js";

/** Reads a file as UTF-8 text; injected so loading is testable without a disk. */
export type ReadFile = (path: string) => string;

// "key:secret", "key secret" or "key=secret" parse as one key with no value: naming it would print the secret.
function entryName(key: string): string {
  return isPlainKeyName(key) ? `API key "${key}"` : "an entry";
}

/**
 * Reads `key: secret` entries from a YAML mapping. Errors name the source and
 * the line, and the key only when it looks like a plain name; never the value.
 */
export function keysFromYaml(src: YamlSource, node: YamlSource["contents"], what: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const { key, keyNode, value } of mapEntries(src, node, what)) {
    if (key === "") throw new ConfigError(`${src.where(keyNode)}: ${what} has an empty API key name`);
    const secret = scalarText(value);
    if (secret === undefined) {
      const hint = isPlainKeyName(key) ? "" : ' (write "key: secret", with a space after the colon)';
      throw new ConfigError(`${src.where(keyNode)}: ${entryName(key)} needs a secret string${hint}`);
    }
    if (secret === "") throw new ConfigError(`${src.where(keyNode)}: ${entryName(key)} has an empty secret`);
    keys.set(key, secret);
  }
  return keys;
}

/**
 * Parses a LiveKit-format key file: a YAML mapping of API key to secret, as
 * `livekit-server --key-file` reads it. An empty file has no keys.
 */
export function parseKeyFile(text: string, fileName: string): Map<string, string> {
  const src = parseYaml(text, fileName);
  if (src.contents === null) return new Map();
  return keysFromYaml(src, src.contents, "key file");
}

/**
 * Parses `LIVEKIT_KEYS` as livekit-server accepts it: YAML (`"key: secret"`,
 * one per line, or a flow mapping), plus the single-line
 * `"key1: secret1, key2: secret2"` form, read as a flow mapping.
 */
export function parseKeysEnv(text: string, varName = "LIVEKIT_KEYS"): Map<string, string> {
  const trimmed = text.trim();
  if (trimmed === "") return new Map();
  // A single line with several entries is not valid block YAML; braces make it a flow mapping.
  const yaml = !trimmed.includes("\n") && !trimmed.startsWith("{") ? `{${trimmed}}` : trimmed;
  const src = parseYaml(yaml, varName);
  try {
    return keysFromYaml(src, src.contents, varName);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${err.message} (expected "key: secret" entries, comma-separated)`);
    throw err;
  }
}

/** Reads and parses a key file; a read failure names the file, without the system's full error text. */
export function readKeyFile(path: string, readFile: ReadFile): Map<string, string> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read key file ${path}${code ? ` (${code})` : ""}`);
  }
  return parseKeyFile(text, path);
}
