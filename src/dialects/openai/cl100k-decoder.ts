import type { TiktokenBPE } from "js-tiktoken/lite";

/**
 * Token ids → text for one tiktoken encoding, from js-tiktoken's rank table. Its Tiktoken class would
 * also build the encoder's maps: about 2 s of blocked event loop and 40 MB, for nothing a decoder needs.
 * The table lists, line by line, `<tag> <first rank> <base64 bytes of each token from that rank on>`;
 * here every token's bytes go into one buffer, indexed by rank.
 */
export interface TokenDecoder {
  /** Ids this decoder knows: 0 to lastId. */
  readonly lastId: number;
  decode(ids: readonly number[]): string;
}

export function tokenDecoder(ranks: TiktokenBPE): TokenDecoder {
  // Decoded bytes never outnumber the base64 characters that encode them.
  const bytes = Buffer.alloc(ranks.bpe_ranks.length);
  const starts: number[] = [];
  const ends: number[] = [];
  let used = 0;
  for (const line of ranks.bpe_ranks.split("\n")) {
    const fields = line.split(" ");
    const first = Number.parseInt(fields[1] ?? "", 10);
    if (!Number.isInteger(first)) continue;
    for (let i = 2; i < fields.length; i++) {
      starts[first + i - 2] = used;
      used += bytes.write(fields[i] ?? "", used, "base64");
      ends[first + i - 2] = used;
    }
  }
  const lastId = starts.length - 1;
  return {
    lastId,
    decode(ids) {
      const pieces = ids.map((id) => bytes.subarray(starts[id] ?? 0, ends[id] ?? 0));
      // Invalid UTF-8 (a character split between two token arrays) becomes U+FFFD, as in tiktoken.
      return Buffer.concat(pieces).toString("utf8");
    },
  };
}
