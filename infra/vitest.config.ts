import { defineConfig } from "vitest/config";

// Synthesising a stack takes seconds of CPU (more on a busy machine); each file shares its stacks.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
