import { defineProject } from "vitest/config"

export default defineProject({
  resolve: { conditions: ["@effect-secrets/source"] },
  ssr: { resolve: { conditions: ["@effect-secrets/source"] } },
  test: {
    name: "example-effect4-testing",
    include: ["test/**/*.test.ts"]
  }
})
