import { describe, expect, it } from "vitest";
import { presentedKey } from "../../src/auth/credentials.js";

const key = "sk-test-0123456789abcdef";

describe("presented API key", () => {
  it.each([
    [["Authorization", `Bearer ${key}`], key],
    [["authorization", `bearer ${key}`], key],
    [["AUTHORIZATION", `BEARER   ${key}`], key],
    [["X-API-Key", key], key],
    [["x-api-key", key, "Authorization", "Bearer other"], key],
    [["Authorization", "Bearer other", "X-Api-Key", key], key],
  ])("reads %j", (headers, expected) => {
    expect(presentedKey(headers)).toEqual({ kind: "key", key: expected });
  });

  it.each([
    [[], /^Missing API key/],
    [["Authorization", ""], /^Malformed Authorization header/],
    [["Authorization", "Bearer"], /^Malformed Authorization header/],
    [["Authorization", key], /^Malformed Authorization header/],
    [["Authorization", `Basic ${key}`], /^Malformed Authorization header/],
    [["Authorization", `Bearer\t${key}`], /^Malformed Authorization header/],
    [["X-API-Key", ""], /^Empty API key in the X-API-Key header/],
    [["X-API-Key", "", "Authorization", `Bearer ${key}`], /^Empty API key/],
    [["X-API-Key", "x".repeat(4097)], /^The API key is too long/],
  ])("refuses %j without quoting it", (headers, message) => {
    const presented = presentedKey(headers);
    expect(presented.kind).toBe("refused");
    const text = presented.kind === "refused" ? presented.message : "";
    expect(text).toMatch(message);
    expect(text).not.toContain(key);
  });

  it.each([
    [["Authorization", `Bearer ${key}`, "authorization", `Bearer ${key}`], "Authorization"],
    [["X-API-Key", key, "x-api-key", key], "X-API-Key"],
  ])("calls repeated credential headers ambiguous: %j", (headers, header) => {
    expect(presentedKey(headers)).toEqual({ kind: "ambiguous", header });
  });
});
