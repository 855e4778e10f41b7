/**
 * A download that must not or could not happen. `reason` is for the log only: the client sees one message
 * whatever it says, so it cannot tell a blocked host from an unresolvable or unreachable one.
 */
export class FetchRefused extends Error {
  override name = "FetchRefused";
  constructor(
    readonly reason: string,
    /** One of a few fixed words, for the refusal metrics (the reason itself names hosts). */
    readonly kind: RefusalKind = "failed",
  ) {
    super(reason);
  }
}

export type RefusalKind =
  | "blocked_address"
  | "scheme"
  | "credentials"
  | "unresolvable"
  | "redirect"
  | "status"
  | "timeout"
  | "cancelled"
  | "encoding"
  | "failed";

/** The body passed MAX_INPUT_FILE_SIZE (decoded bytes, whatever Content-Length said). */
export class FetchTooLarge extends Error {
  override name = "FetchTooLarge";
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
  }
}
