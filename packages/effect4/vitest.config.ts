// vitest 5 reads projects from the root config: each Effect 4 package and example brings its own vitest.config.ts.
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: [
      "core/vitest.config.ts",
      "aws/vitest.config.ts",
      "local/vitest.config.ts",
      "../../examples/effect4-*/vitest.config.ts"
    ]
  }
})
