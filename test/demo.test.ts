import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawGet } from "./helpers/raw-http.js";
import { type MainProcess, runMain, startMain } from "./helpers/spawn.js";

/** `npm run demo` starts the way `npm start` does (src/startup.ts): every setting applies to it too. */
const key = randomBytes(32).toString("base64url");
let demo: MainProcess;

beforeAll(async () => {
  demo = await startMain({ API_KEY: key, TRUSTED_HOSTS: "127.0.0.1" }, [], "scripts/demo.ts");
}, 60_000);
afterAll(() => demo?.stop());

const models = (headers: Record<string, string> = {}) => fetch(`${demo.url}/v1/models`, { headers });

describe("npm run demo", () => {
  it("asks for the key given in API_KEY", async () => {
    expect((await models()).status).toBe(401);
    expect((await models({ authorization: "Bearer wrong" })).status).toBe(401);
    const answer = await models({ authorization: `Bearer ${key}` });
    expect(answer.status).toBe(200);
    const { data } = (await answer.json()) as { data: { id: string }[] };
    expect(data.map((model) => model.id)).toContain("amazon.nova-lite-v1:0");
  });

  it("refuses hosts not in TRUSTED_HOSTS", async () => {
    const { port } = new URL(demo.url);
    const refused = await rawGet(demo.url, "/v1/models", [
      "Host: evil.example",
      `Authorization: Bearer ${key}`,
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain("invalid_host");
    const served = await rawGet(demo.url, "/v1/models", [
      `Host: 127.0.0.1:${port}`,
      `Authorization: Bearer ${key}`,
    ]);
    expect(served.status).toBe(200);
  });

  it.each([
    [{ PORT: "eighty" }, /^aegis: Invalid configuration: PORT: /],
    [{ MAX_REQUEST_BODY_SIZE: "-1" }, /^aegis: Invalid configuration: MAX_REQUEST_BODY_SIZE: /],
    [{ API_KEY_SSM_PARAMETER: "/aegis/missing" }, /^aegis: .*\/aegis\/missing/],
  ])(
    "stops with one clear line for %j",
    async (env, line) => {
      const exit = await runMain(env, 60_000, "scripts/demo.ts");
      expect(exit.code).not.toBe(0);
      expect(exit.stderr.trim()).toMatch(line);
      expect(exit.stderr.trim().split("\n")).toHaveLength(1);
    },
    60_000,
  );
});
