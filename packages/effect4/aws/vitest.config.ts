import { defineProject } from "vitest/config"

export default defineProject({
  resolve: { conditions: ["@effect-secrets/source"] },
  ssr: { resolve: { conditions: ["@effect-secrets/source"] } },
  test: {
    name: "effect4-aws",
    include: ["test/**/*.test.ts"]
  }
})
