import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { EmulatedError } from "./exceptions.js";
import { Sha256, sha256Hex } from "./sha256.js";

/**
 * SigV4 checking for every AWS request the emulator receives. We do not re-implement the canonical
 * request: we feed what arrived on the wire back through the SDK's own signer with the emulator's
 * secret and compare. That only works if the signer sees the request exactly as the client signed it:
 *  - the path as sent, still percent-encoded (the signer re-encodes it, which is the "double encoding"
 *    AWS uses for every service but S3; decoding first would make ARN model ids fail);
 *  - only the headers the client listed in SignedHeaders, including the HTTP/2 pseudo-header
 *    `:authority`, which the SDK's HTTP/2 handler signs instead of `host`;
 *  - the signing date from `x-amz-date`, and the session token when the client signed one.
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** Request path exactly as received, without the query string. */
  rawPath: string;
  /** Query parameters, decoded. */
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** AWS rejects requests whose x-amz-date is more than this far from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

function denied(name: string, message: string): EmulatedError {
  // Auth failures are answered by AWS's front end with the same statuses for every service.
  return new EmulatedError(name, message, name === "IncompleteSignatureException" ? 400 : 403);
}

interface ParsedAuthorization {
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization {
  if (/^bearer\s/i.test(value)) {
    throw denied(
      "UnrecognizedClientException",
      "The emulator accepts SigV4-signed requests only; bearer tokens (Bedrock API keys) are not supported.",
    );
  }
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(value);
  if (!match) {
    throw denied("IncompleteSignatureException", `Unsupported authorization type: ${value.split(/\s/)[0]}`);
  }
  const parts = new Map<string, string>();
  for (const piece of (match[1] ?? "").split(",")) {
    const eq = piece.indexOf("=");
    if (eq > 0) parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const credential = parts.get("Credential");
  const signedHeaders = parts.get("SignedHeaders");
  const signature = parts.get("Signature");
  if (!credential || !signedHeaders || !signature) {
    throw denied(
      "IncompleteSignatureException",
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
  const [accessKeyId, date, region, service, terminator, ...rest] = credential.split("/");
  if (!accessKeyId || !date || !region || !service || terminator !== "aws4_request" || rest.length > 0) {
    throw denied(
      "IncompleteSignatureException",
      `Credential should be of the form AKID/yyyyMMdd/region/service/aws4_request, got '${credential}'.`,
    );
  }
  return {
    scope: { accessKeyId, date, region, service },
    signedHeaders: signedHeaders.split(";").map((h) => h.toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

/** `20240102T030405Z` → Date, or undefined when malformed. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks the request's SigV4 signature. Resolves with the credential scope, or rejects with the
 * exception AWS would answer: MissingAuthenticationTokenException, IncompleteSignatureException,
 * UnrecognizedClientException or InvalidSignatureException.
 */
export async function authenticate(
  request: SignedRequest,
  credentials: Credentials,
  options: { verifySignature: boolean; signingName: string; now?: Date },
): Promise<CredentialScope> {
  const authorization = headerValue(request.headers, "authorization");
  if (!authorization) throw denied("MissingAuthenticationTokenException", "Missing Authentication Token");
  const { scope, signedHeaders, signature } = parseAuthorization(authorization);
  if (scope.accessKeyId !== credentials.accessKeyId) {
    throw denied("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if (!options.verifySignature) return scope;

  if (scope.service !== options.signingName) {
    throw denied(
      "InvalidSignatureException",
      `Credential should be scoped to correct service: '${options.signingName}'.`,
    );
  }
  const amzDate = headerValue(request.headers, "x-amz-date") ?? "";
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !signedHeaders.includes("x-amz-date")) {
    throw denied(
      "IncompleteSignatureException",
      "Authorization header requires a signed 'X-Amz-Date' header.",
    );
  }
  const now = options.now ?? new Date();
  const skew = signingDate.getTime() - now.getTime();
  if (Math.abs(skew) > MAX_SKEW_MS) {
    throw denied(
      "InvalidSignatureException",
      skew < 0
        ? `Signature expired: ${amzDate} is now earlier than the allowed 15 minutes before the current time.`
        : `Signature not yet current: ${amzDate} is more than 15 minutes after the current time.`,
    );
  }
  // The signer trusts a signed x-amz-content-sha256 instead of hashing the body, so a client could
  // sign a hash and send another body. Check the header against the body ourselves.
  const declaredHash = headerValue(request.headers, "x-amz-content-sha256");
  if (declaredHash && declaredHash !== UNSIGNED_PAYLOAD && !sameHex(declaredHash, sha256Hex(request.body))) {
    throw denied(
      "InvalidSignatureException",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  // Everything the signature below is computed from, so an equal key means an equal result.
  const bodyHash = declaredHash && declaredHash !== UNSIGNED_PAYLOAD ? declaredHash : sha256Hex(request.body);
  const key = JSON.stringify([
    credentials.accessKeyId,
    credentials.secretAccessKey,
    authorization,
    request.method,
    request.rawPath,
    request.query,
    headers,
    bodyHash,
  ]);
  if (verified.has(key)) return scope;
  const sessionToken = signedHeaders.includes("x-amz-security-token")
    ? headerValue(request.headers, "x-amz-security-token")
    : undefined;
  const signer = new SignatureV4({
    service: scope.service,
    region: scope.region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken,
    },
    sha256: Sha256,
    // We pass the client's own x-amz-content-sha256 when it signed one; never invent one.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: headers.host ?? headers[":authority"] ?? "localhost",
      path: request.rawPath,
      query: request.query,
      headers,
      body: request.body,
    },
    {
      signingDate,
      signingRegion: scope.region,
      signingService: scope.service,
      // Include whatever the client chose to sign, even headers the signer would normally skip.
      signableHeaders: new Set(signedHeaders),
    },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ""))?.[1] ?? "";
  if (!sameHex(expected, signature)) throw denied("InvalidSignatureException", SIGNATURE_MISMATCH);
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.add(key);
  return scope;
}

/**
 * Requests whose signature was found right, by everything it covers (see authenticate). A benchmark replays
 * one signed request, and a gateway signs equal requests alike within the second of their x-amz-date, so
 * most requests of a benchmark hit; recomputing the signature was a tenth of the emulator's time there.
 * The freshness and body-hash checks run every time; only matches are kept. Bounded: emptied when full.
 */
const verified = new Set<string>();
const MAX_VERIFIED = 1024;
