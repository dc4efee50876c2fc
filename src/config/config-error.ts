/** A configuration problem; the message names the file, line and key at fault, never a secret. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
