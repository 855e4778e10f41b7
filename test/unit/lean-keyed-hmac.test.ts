import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyedHmacSha256Hex } from "../../src/bedrock/lean/keyed-hmac.js";

const reference = (key: Uint8Array, data: string) => createHmac("sha256", key).update(data).digest("hex");

describe("keyed HMAC-SHA-256", () => {
  it("equals createHmac for keys shorter than, as long as, and longer than a block", () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const sign = keyedHmacSha256Hex(key);
      for (const data of [
        "",
        "a",
        "AWS4-HMAC-SHA256\n20261203T184000Z\nscope\nhash",
        "héllo ✓ 🙂",
        "x".repeat(1000),
      ])
        expect(sign(data), `key ${keyLength} bytes, data ${data.length} chars`).toBe(reference(key, data));
    }
  });

  it("gives the same answer on every call (its buffers are reused)", () => {
    const key = randomBytes(32);
    const sign = keyedHmacSha256Hex(key);
    const first = sign("one");
    sign("a much longer second message that fills more than one block of sha-256 input".repeat(3));
    expect(sign("one")).toBe(first);
    expect(first).toBe(reference(key, "one"));
  });

  it("matches RFC 4231 test case 2", () => {
    const sign = keyedHmacSha256Hex(Buffer.from("Jefe"));
    expect(sign("what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});
