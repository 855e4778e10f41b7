import { digestKey } from "./digest.js";

/** Longer presented values are refused without hashing them; longer configured keys are refused at startup. */
export const maxKeyLength = 4096;

/** Visible ASCII (0x21-0x7E): what an HTTP header carries unchanged in both accepted headers. */
function isVisibleAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

export type PreparedKey = { digest: Buffer } | { problem: string };

/**
 * Checks a configured key and returns its digest. Surrounding whitespace is dropped: an HTTP header
 * value cannot carry it, and a key saved from a file often ends with a newline. Problems never
 * mention the value.
 */
export function prepareKey(raw: string): PreparedKey {
  const key = raw.trim();
  if (key === "") return { problem: "the key is empty" };
  if (key.length > maxKeyLength) return { problem: `the key is longer than ${maxKeyLength} characters` };
  if (!isVisibleAscii(key)) {
    return { problem: "the key contains a space, a control character or a non-ASCII character" };
  }
  return { digest: digestKey(key) };
}
