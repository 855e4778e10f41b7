import { defineConfig } from "vitest/config";

/** Suites that choose their Bedrock transport themselves, or never reach Bedrock: not rerun with sdk. */
const transportAgnostic = [
  "test/unit/**",
  "test/startup.test.ts",
  "test/emulator.test.ts",
  "test/transport-conformance.test.ts",
  "test/lean-transport.test.ts",
];

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      // Everything, on the default (lean) Bedrock transport.
      { extends: true, test: { name: "lean" } },
      // The integration suites again on the stock SDK transport (AEGIS_TEST_TRANSPORT, read by test/helpers/gateway.ts).
      {
        extends: true,
        test: { name: "sdk", exclude: transportAgnostic, env: { AEGIS_TEST_TRANSPORT: "sdk" } },
      },
    ],
  },
});
