import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/index.js";
import { createDeps } from "../../src/deps.js";

describe("Fastify's schema compilers", () => {
  it("are stand-ins: a route that declares a schema is refused, naming what to use instead", async () => {
    const config = loadConfig({ AWS_REGION: "us-east-1", LOG_LEVEL: "silent" });
    const app = await buildApp(config, createDeps(config), { logger: false });
    try {
      app.post("/with-schema", { schema: { body: { type: "object" } } }, async () => ({ ok: true }));
      await expect(app.ready()).rejects.toThrow(/route schemas are not used in Aegis: validate with zod/);
    } finally {
      await app.close().catch(() => {});
    }
  });

  it("leave routes without a schema alone", async () => {
    const config = loadConfig({ AWS_REGION: "us-east-1", LOG_LEVEL: "silent" });
    const app = await buildApp(config, createDeps(config), { logger: false });
    try {
      const response = await app.inject({ method: "GET", url: "/health" });
      expect(response.json()).toEqual({ status: "ok" });
    } finally {
      await app.close();
    }
  });
});
