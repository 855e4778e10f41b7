import * as z from "zod";
import { envByteSize, envInteger, envString, setting } from "./define.js";

export const serverSettings = {
  HOST: setting(envString("0.0.0.0"), "Address to listen on."),
  PORT: setting(envInteger(8000, 0, 65535), "Port to listen on."),
  LOG_LEVEL: setting(
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .optional()
      .transform((value) => value ?? "info"),
    "Log level (fatal, error, warn, info, debug, trace, silent).",
  ),
  MAX_REQUEST_BODY_SIZE: setting(
    envByteSize(32 * 1024 ** 2),
    "Largest accepted request body (e.g. 32MiB); larger bodies get 413. Sized for several base64 images.",
    "32MiB",
  ),
  OPENAI_ROUTES_PREFIX: setting(
    envString("").transform((value) => value.replace(/\/+$/, "")),
    "Path prefix of the OpenAI-compatible routes (the routes themselves start with /v1).",
    "(empty)",
  ),
};
