/** A setting that cannot work; main prints its message as one line and exits non-zero. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
