import { configDefaults, defineConfig } from "vitest/config";

/**
 * The suites whose subject is what Bedrock answers (chat, Anthropic messages, embeddings, draining streams on
 * shutdown): rerun on the stock SDK transport by the "sdk" project, so both transports pass the same tests.
 * The rest never reach Bedrock's hot calls, or choose their transport themselves.
 */
const bedrockSuites = [
  "test/openai-chat.test.ts",
  "test/openai-responses.test.ts",
  "test/openai-responses-store.test.ts",
  "test/openai-responses-clients.test.ts",
  "test/openai-embeddings.test.ts",
  "test/anthropic-messages.test.ts",
  "test/anthropic-errors.test.ts",
  "test/anthropic-models.test.ts",
  "test/anthropic-system-messages.test.ts",
  "test/structured-output.test.ts",
  "test/shutdown.test.ts",
  "test/guardrails.test.ts",
];

const shared = {
  // The container image suite builds an image for minutes: `npm run test:container` (vitest.container.config.ts).
  exclude: [...configDefaults.exclude, "test/container/**"],
  testTimeout: 20_000,
  hookTimeout: 30_000,
  pool: "forks" as const,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
};

// Projects do not extend the root here: vitest would concatenate their include lists with it.
export default defineConfig({
  test: {
    projects: [
      // Everything, on the default (lean) Bedrock transport.
      { test: { ...shared, name: "lean", include: ["test/**/*.test.ts"] } },
      // The Bedrock suites again with AEGIS_TEST_TRANSPORT=sdk (read by test/helpers/gateway.ts).
      {
        test: {
          ...shared,
          name: "sdk",
          include: bedrockSuites,
          env: { ...shared.env, AEGIS_TEST_TRANSPORT: "sdk" },
        },
      },
    ],
  },
});
