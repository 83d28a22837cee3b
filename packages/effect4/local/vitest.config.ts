import { defineProject } from "vitest/config"

export default defineProject({
  resolve: { conditions: ["@effect-secrets/source"] },
  ssr: { resolve: { conditions: ["@effect-secrets/source"] } },
  test: {
    name: "effect4-local",
    include: ["test/**/*.test.ts"],
    // Real HTTP and property runs on a shared, busy 2-core machine: a bound that catches a hang, not a speed.
    testTimeout: 60_000
  }
})
