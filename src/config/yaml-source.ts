import { LineCounter, isMap, isScalar, parseDocument, visit, type Document, type Node, type YAMLMap } from "yaml";
import { ConfigError } from "./config-error.js";

/** A parsed YAML document plus the means to say where a node came from. */
export interface YamlSource {
  /** The top-level node, or null for an empty document. */
  contents: Node | null;
  /** "file:line" of a node, for error messages. */
  where(node: Node | null | undefined): string;
}

// The yaml library's messages can quote the offending text, which may be a secret,
// so errors are described from their code alone.
const DESCRIPTION: Record<string, string> = {
  BLOCK_AS_IMPLICIT_KEY: 'unexpected ": " (quote values that contain it, or check the indentation)',
  MULTILINE_IMPLICIT_KEY: "a key spans several lines (check the indentation)",
  MISSING_CHAR: "an unclosed quote or bracket",
  BAD_INDENT: "bad indentation",
  TAB_AS_INDENT: "a tab used for indentation",
  UNEXPECTED_TOKEN: "an unexpected character",
};

const PLAIN_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Whether an error may quote a key. `APIa:secret` or `APIa secret` is a
 * secret written without ": ", which YAML reads as one key, so only keys that
 * look like plain names are ever echoed.
 */
export function isPlainKeyName(key: string): boolean {
  return PLAIN_NAME.test(key);
}

// The error's position is the start of the repeated key; its node holds the whole key.
function duplicateKeyText(doc: Document, offset: number): string {
  let key = "";
  visit(doc, {
    Pair(_, pair) {
      const node = pair.key as Node | null;
      if (!isScalar(node) || node.range?.[0] !== offset) return undefined;
      key = String(node.value);
      return visit.BREAK;
    },
  });
  return key;
}

function duplicateDetail(key: string): string {
  return isPlainKeyName(key) ? `duplicate key "${key}"` : "an entry is repeated (its key is not shown: it is not a plain name)";
}

/** Parses YAML text; syntax errors become ConfigErrors naming `source` and the line. */
export function parseYaml(text: string, source: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): string => `${source}:${lines.linePos(offset).line}`;
  const first = doc.errors[0];
  if (first) {
    const detail =
      first.code === "DUPLICATE_KEY"
        ? duplicateDetail(duplicateKeyText(doc, first.pos[0]))
        : (DESCRIPTION[first.code] ?? `syntax error (${first.code.toLowerCase()})`);
    throw new ConfigError(`${at(first.pos[0])}: invalid YAML: ${detail}`);
  }
  return {
    contents: doc.contents,
    where: (node) => (node?.range ? at(node.range[0]) : source),
  };
}

/** A mapping entry: its key as text, the key node (for positions) and the value node. */
export interface MapEntry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

/** The entries of a mapping node whose keys are plain scalars; anything else is a ConfigError. */
export function mapEntries(src: YamlSource, node: Node | null, what: string): MapEntry[] {
  if (!isMap(node)) throw new ConfigError(`${src.where(node)}: ${what} must be a mapping`);
  return (node as YAMLMap<Node, Node | null>).items.map((pair) => {
    const keyNode = pair.key;
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
      throw new ConfigError(`${src.where(keyNode)}: ${what} has a key that is not a plain string`);
    }
    return { key: String(keyNode.value), keyNode, value: pair.value ?? null };
  });
}

/**
 * A scalar's text as written, so `12345` or `0x1F` stay the string the user typed
 * (Go's yaml.v3 does the same when it decodes a scalar into a string).
 */
export function scalarText(node: Node | null): string | undefined {
  if (!isScalar(node) || node.value === null) return undefined;
  if (typeof node.value === "string") return node.value;
  return typeof node.source === "string" ? node.source : String(node.value);
}
