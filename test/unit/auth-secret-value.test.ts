import { describe, expect, it } from "vitest";
import { digestKey } from "../../src/auth/digest.js";
import { keyOfSecret } from "../../src/auth/sources/secret-value.js";

const key = "sk-secret-0123456789abcdefghijkl";

describe("the key in a Secrets Manager value", () => {
  it.each([
    [{ SecretString: key }, "api_key"],
    [{ SecretString: `${key}\n` }, "api_key"],
    [{ SecretString: JSON.stringify({ api_key: key, other: "x" }) }, "api_key"],
    [{ SecretString: JSON.stringify({ gateway: key }) }, "gateway"],
  ])("reads %j (field %s)", (value, field) => {
    const prepared = keyOfSecret(value, field);
    expect("digest" in prepared && prepared.digest.equals(digestKey(key))).toBe(true);
  });

  it.each([
    [{ SecretBinary: new Uint8Array([1, 2, 3]) }, /binary secret/],
    [{}, /no value/],
    [{ SecretString: "" }, /the key is empty/],
    [{ SecretString: "   \n" }, /the key is empty/],
    [{ SecretString: JSON.stringify({ other: key }) }, /no field "api_key"/],
    [{ SecretString: JSON.stringify({ api_key: 42 }) }, /field "api_key" is not a string/],
    [{ SecretString: JSON.stringify({ api_key: "" }) }, /field "api_key": the key is empty/],
    [{ SecretString: `{"api_key": "${key}"` }, /not valid JSON/],
    [{ SecretString: `{"api_key": ${key}}` }, /not valid JSON/],
    [{ SecretString: `two words${key}` }, /contains a space/],
  ])("refuses %j without quoting it", (value, problem) => {
    const prepared = keyOfSecret(value, "api_key");
    const text = "problem" in prepared ? prepared.problem : "";
    expect(text).toMatch(problem);
    expect(text).not.toContain(key);
  });
});
