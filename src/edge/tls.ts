import { statSync } from "node:fs";
import type { Server, TlsOptions } from "node:tls";
import type { FastifyBaseLogger } from "fastify";
import { readTlsFiles, type TlsFiles, type TlsSettings } from "./tls-files.js";

export function tlsEnabled(settings: TlsSettings): boolean {
  return settings.GRANIAN_SSL_CERTIFICATE !== undefined;
}

/** Options of the HTTPS server: the checked files, and client certificates when mutual TLS is on. */
export function tlsServerOptions(files: TlsFiles, settings: TlsSettings): TlsOptions {
  const verify = settings.GRANIAN_SSL_CLIENT_VERIFY;
  return { ...files.context, requestCert: verify, rejectUnauthorized: verify };
}

function filesOf(settings: TlsSettings): string[] {
  return [settings.GRANIAN_SSL_CERTIFICATE, settings.GRANIAN_SSL_KEYFILE, settings.GRANIAN_SSL_CA].filter(
    (path): path is string => path !== undefined,
  );
}

/** Changes when a file is rewritten or replaced (rename, or a Kubernetes secret's symlink swap). */
function fingerprint(paths: string[]): string {
  return paths
    .map((path) => {
      try {
        const stat = statSync(path);
        return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      } catch {
        return "missing";
      }
    })
    .join("|");
}

export interface TlsReloader {
  /** Reads the files again and swaps the certificate for new connections; false if they cannot be used. */
  reload(): boolean;
  stop(): void;
}

/**
 * Reloads the certificate without a restart: when the files change (checked every intervalMs; 0
 * turns polling off) and on SIGHUP. server.setSecureContext applies to new handshakes only, so
 * connections in flight keep theirs. Files that cannot be used (half-written, expired, key not
 * matching) are logged once and the current certificate stays.
 */
export function startTlsReload(
  server: Server,
  settings: TlsSettings,
  intervalMs: number,
  log: FastifyBaseLogger,
): TlsReloader {
  const paths = filesOf(settings);
  let applied = fingerprint(paths);
  let lastFailure: string | undefined;

  const apply = (seen: string): boolean => {
    try {
      const files = readTlsFiles(settings);
      server.setSecureContext(tlsServerOptions(files, settings));
      applied = seen;
      lastFailure = undefined;
      log.info({ certificate: files.certificate }, "TLS certificate loaded");
      return true;
    } catch (error) {
      if (seen !== lastFailure) {
        log.warn(
          { reason: (error as Error).message },
          "TLS files cannot be used; keeping the current certificate",
        );
      }
      lastFailure = seen;
      return false;
    }
  };
  const poll = () => {
    const seen = fingerprint(paths);
    if (seen !== applied && seen !== lastFailure) apply(seen);
  };
  const onHangup = () => {
    apply(fingerprint(paths));
  };

  const timer = intervalMs > 0 ? setInterval(poll, intervalMs) : undefined;
  timer?.unref();
  process.on("SIGHUP", onHangup);
  return {
    reload: () => apply(fingerprint(paths)),
    stop() {
      if (timer) clearInterval(timer);
      process.off("SIGHUP", onHangup);
    },
  };
}
