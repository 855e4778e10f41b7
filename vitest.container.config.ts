import { defineConfig } from "vitest/config";

/**
 * `npm run test:container`: builds the image and checks it running (test/container/). Minutes, not seconds,
 * so it stays out of `npm test`; .ci/run runs it after.
 */
export default defineConfig({
  test: {
    name: "container",
    include: ["test/container/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: "forks",
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
