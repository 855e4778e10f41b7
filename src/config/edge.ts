import * as z from "zod";
import { parseAllowedOrigin } from "../edge/cors.js";
import { type HostPattern, parseHostPattern } from "../edge/host-names.js";
import { defaultProxyTrustedHosts, parseProxyRange } from "../edge/proxy-trust.js";
import { ConfigError } from "./config-error.js";
import {
  envBoolean,
  envByteSize,
  envDuration,
  envInteger,
  envList,
  envOptionalString,
  type SettingValues,
  secretSetting,
  setting,
} from "./define.js";
import { envSecret } from "./secret.js";
import type { serverSettings } from "./server.js";

type ParseError = { error: string };
const isParseError = (value: unknown): value is ParseError =>
  typeof value === "object" && value !== null && "error" in value;

/** A list setting whose entries are each parsed; the first bad entry is the error. */
function parsedList<T>(parse: (entry: string) => T | ParseError) {
  return envList().transform((entries, ctx): T[] | undefined => {
    if (entries === undefined) return undefined;
    const parsed: T[] = [];
    for (const entry of entries) {
      const result = parse(entry);
      if (isParseError(result)) {
        ctx.addIssue({ code: "custom", message: result.error });
        return z.NEVER;
      }
      parsed.push(result);
    }
    return parsed;
  });
}

const tlsVersion = z
  .string()
  .trim()
  .toLowerCase()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === "" || value === "tls1.3") return "TLSv1.3" as const;
    if (value === "tls1.2") return "TLSv1.2" as const;
    ctx.addIssue({ code: "custom", message: `expected tls1.2 or tls1.3, got "${value}"` });
    return z.NEVER;
  });

export const edgeSettings = {
  GRANIAN_HOST: setting(
    envOptionalString(),
    "Address to listen on when HOST is not set (Granian compatibility).",
  ),
  GRANIAN_PORT: setting(
    z
      .string()
      .optional()
      .transform((value) => (value === undefined || value.trim() === "" ? undefined : value))
      .pipe(envInteger(8000, 0, 65535).optional()),
    "Port to listen on when PORT is not set (Granian compatibility).",
    "(unset)",
  ),
  TRUSTED_HOSTS: setting(
    parsedList<HostPattern>(parseHostPattern),
    "Host names the gateway answers for (JSON array or comma-separated; *.example.com for subdomains). Unset: any Host. GET /health is exempt.",
  ),
  CORS_ALLOW_ORIGINS: setting(
    parsedList<string>(parseAllowedOrigin),
    "Browser origins allowed to call the API (JSON array or comma-separated, e.g. https://app.example.com; * for any). Unset: no CORS.",
  ),
  ENABLE_PROXY_HEADERS: setting(
    envBoolean(false),
    "Trust X-Forwarded-For/-Proto/-Port from PROXY_TRUSTED_HOSTS, so logs show the real client IP.",
  ),
  PROXY_TRUSTED_HOSTS: setting(
    parsedList<string>((entry) => {
      const range = parseProxyRange(entry);
      return isParseError(range) ? range : entry.trim();
    }).transform((list) => list ?? defaultProxyTrustedHosts),
    "Proxies whose X-Forwarded-* headers are trusted (IPs or CIDRs; * for any) when ENABLE_PROXY_HEADERS is on.",
  ),
  GRANIAN_SSL_CERTIFICATE: setting(
    envOptionalString(),
    "Certificate (PEM, chain allowed) to serve HTTPS on the same port.",
  ),
  GRANIAN_SSL_KEYFILE: setting(
    envOptionalString(),
    "Private key of the certificate, PKCS#8 PEM (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY).",
  ),
  GRANIAN_SSL_KEYFILE_PASSWORD: secretSetting(
    envSecret(),
    "Password of an encrypted GRANIAN_SSL_KEYFILE. Removed from the environment once read; kept as bytes only.",
  ),
  GRANIAN_SSL_PROTOCOL_MIN: setting(tlsVersion, "Lowest TLS version accepted: tls1.2 or tls1.3.", "tls1.3"),
  GRANIAN_SSL_CA: setting(envOptionalString(), "CA bundle (PEM) that client certificates must be signed by."),
  GRANIAN_SSL_CLIENT_VERIFY: setting(
    envBoolean(false),
    "Require a client certificate signed by GRANIAN_SSL_CA (mutual TLS).",
  ),
  TLS_RELOAD_INTERVAL: setting(
    envDuration(10_000),
    "How often the TLS files are checked for changes and reloaded without a restart (0: only on SIGHUP).",
    "10s",
  ),
  HTTP_HEADERS_TIMEOUT: setting(
    envDuration(10_000, 1),
    "Time a client has to send the request headers (and to finish the TLS handshake); then 408.",
    "10s",
  ),
  HTTP_REQUEST_TIMEOUT: setting(
    envDuration(120_000, 1),
    "Time a client has to send the whole request, body included; then 408. Answers may take longer.",
    "120s",
  ),
  HTTP_KEEP_ALIVE_TIMEOUT: setting(
    envDuration(65_000, 1),
    "How long an idle keep-alive connection stays open; above the 60 s idle timeout of AWS load balancers.",
    "65s",
  ),
  HTTP_MAX_HEADER_SIZE: setting(
    envByteSize(16 * 1024),
    "Largest request line plus headers; larger requests get 431.",
    "16KiB",
  ),
};

type EdgeValues = SettingValues<typeof edgeSettings> & SettingValues<typeof serverSettings>;

/**
 * Applies the GRANIAN_HOST/GRANIAN_PORT fallbacks and checks the rules that involve several edge
 * settings; throws ConfigError naming the variable.
 */
export function resolveEdgeSettings(config: EdgeValues, env: NodeJS.ProcessEnv): void {
  if (!env.HOST?.trim() && config.GRANIAN_HOST !== undefined) config.HOST = config.GRANIAN_HOST;
  if (!env.PORT?.trim() && config.GRANIAN_PORT !== undefined) config.PORT = config.GRANIAN_PORT;

  const fail = (name: string, message: string): never => {
    throw new ConfigError(`Invalid configuration: ${name}: ${message}`);
  };
  if (config.HTTP_HEADERS_TIMEOUT > config.HTTP_REQUEST_TIMEOUT) {
    fail("HTTP_HEADERS_TIMEOUT", "must not be longer than HTTP_REQUEST_TIMEOUT");
  }
  const certificate = config.GRANIAN_SSL_CERTIFICATE;
  const key = config.GRANIAN_SSL_KEYFILE;
  if (certificate !== undefined && key === undefined)
    fail("GRANIAN_SSL_KEYFILE", "is required with GRANIAN_SSL_CERTIFICATE");
  if (key !== undefined && certificate === undefined)
    fail("GRANIAN_SSL_CERTIFICATE", "is required with GRANIAN_SSL_KEYFILE");
  if (config.GRANIAN_SSL_KEYFILE_PASSWORD !== undefined && key === undefined) {
    fail("GRANIAN_SSL_KEYFILE_PASSWORD", "is set but GRANIAN_SSL_KEYFILE is not");
  }
  if (config.GRANIAN_SSL_CLIENT_VERIFY && config.GRANIAN_SSL_CA === undefined) {
    fail(
      "GRANIAN_SSL_CA",
      "is required with GRANIAN_SSL_CLIENT_VERIFY=true (the CA that signs client certificates)",
    );
  }
  if (config.GRANIAN_SSL_CA !== undefined && !config.GRANIAN_SSL_CLIENT_VERIFY) {
    // Loading a CA without verifying anything would look like mutual TLS while accepting every client.
    fail("GRANIAN_SSL_CLIENT_VERIFY", "must be true when GRANIAN_SSL_CA is set");
  }
  if (
    (config.GRANIAN_SSL_CA !== undefined || config.GRANIAN_SSL_CLIENT_VERIFY) &&
    certificate === undefined
  ) {
    fail(
      "GRANIAN_SSL_CERTIFICATE",
      "mutual TLS needs HTTPS: set GRANIAN_SSL_CERTIFICATE and GRANIAN_SSL_KEYFILE",
    );
  }
}
