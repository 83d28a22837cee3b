import { defineProject } from "vitest/config"

export default defineProject({
  resolve: { conditions: ["@effect-secrets/source"] },
  ssr: { resolve: { conditions: ["@effect-secrets/source"] } },
  test: {
    name: "example-rotation-postgres",
    include: ["test/**/*.test.ts"],
    // A real PostgreSQL server, real HTTP and real time: two rotations with a delay of several seconds each.
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
