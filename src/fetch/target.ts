import { isIP } from "node:net";
import { FetchRefused } from "./failures.js";
import { type AddressPolicy, ipLiteral, judgeAddress } from "./ip-policy.js";
import type { Resolver } from "./resolver.js";

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** A URL whose every address passed the policy; the connection may go to these addresses and no others. */
export interface CheckedTarget {
  url: URL;
  addresses: CheckedAddress[];
}

/** What log lines show of a URL: its origin only, since path and query may carry signatures (presigned URLs). */
export const originOf = (url: URL) => `${url.protocol}//${url.host}`;

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Resolve the host of `url` (an IP literal is taken as is) and judge every answer. One blocked answer refuses
 * the whole URL: a name with an allowed and a blocked address is a rebinding setup, not a mirror.
 */
export async function checkTarget(
  url: URL,
  resolve: Resolver,
  policy: AddressPolicy,
  signal: AbortSignal,
): Promise<CheckedTarget> {
  const origin = originOf(url);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new FetchRefused(`${url.protocol} scheme`, "scheme");
  if (url.username !== "" || url.password !== "")
    throw new FetchRefused(`${origin}: credentials in URL`, "credentials");
  const literal = ipLiteral(url.hostname);
  let answers: string[];
  if (literal !== undefined) answers = [literal];
  else {
    try {
      answers = await raceAbort(resolve(url.hostname), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new FetchRefused(
        `${origin}: cannot resolve (${(error as NodeJS.ErrnoException).code ?? error})`,
        "unresolvable",
      );
    }
  }
  if (answers.length === 0) throw new FetchRefused(`${origin}: no address`, "unresolvable");
  const addresses: CheckedAddress[] = [];
  for (const answer of answers) {
    const verdict = judgeAddress(answer, policy);
    if (!verdict.allowed)
      throw new FetchRefused(`${origin}: address ${answer} is blocked: ${verdict.reason}`, "blocked_address");
    const family = isIP(answer);
    if (family !== 4 && family !== 6) throw new FetchRefused(`${origin}: resolver answered "${answer}"`);
    addresses.push({ address: answer, family });
  }
  return { url, addresses };
}
