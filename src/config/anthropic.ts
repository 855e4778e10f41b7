import { envString, setting } from "./define.js";

/** A path such as /anthropic or /api/claude: segments of URL-safe characters, no trailing slash. */
const prefixPattern = /^(\/[A-Za-z0-9._~-]+)+$/;

export const anthropicSettings = {
  ANTHROPIC_ROUTES_PREFIX: setting(
    envString("/anthropic")
      .transform((value) => value.trim().replace(/\/+$/, ""))
      .refine((value) => prefixPattern.test(value), {
        message: "must be a path such as /anthropic (not empty, not /, no query or spaces)",
      }),
    "Path prefix of the Anthropic Messages API routes (clients use http://host:port<prefix> as their base URL).",
  ),
};
