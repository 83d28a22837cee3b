import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { vi } from "vitest"
import type { LoadContainer } from "../src/program.js"
import { DemoLive, program } from "../src/program.js"

// A new container is a new evaluation of handler.ts: vitest re-evaluates a module imported after `resetModules`.
const handlers: Array<unknown> = []
const loadContainer: LoadContainer = async () => {
  vi.resetModules()
  const module = await import("../src/handler.js")
  handlers.push(module.handler)
  return module
}

// The invocations make real HTTP calls to the local endpoint; nothing sleeps, so the TestClock never has to move.
describe("lambda", () => {
  it.effect("a cold start makes one GetSecretValue call, warm invocations none, a new container one again", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      yield* program(loadContainer, (line) => Effect.sync(() => void lines.push(line)))
      const invocations = lines.filter((line) => line.startsWith("  invocation "))
      assert.deepStrictEqual(
        invocations.map((line) => line.replace(/, [\d.]+ ms$/, "")),
        [
          "  invocation 1 (cold): HTTP 200, 1 GetSecretValue call",
          "  invocation 2 (warm): HTTP 200, 0 GetSecretValue calls",
          "  invocation 3 (warm): HTTP 200, 0 GetSecretValue calls",
          "  invocation 4 (warm): HTTP 200, 0 GetSecretValue calls",
          "  invocation 1 (cold): HTTP 200, 1 GetSecretValue call",
          "  invocation 2 (warm): HTTP 200, 0 GetSecretValue calls"
        ]
      )
      assert.include(lines.join("\n"), "2 GetSecretValue calls for 6 invocations in 2 containers.")
      assert.notStrictEqual(handlers[0], handlers[1]) // two evaluations of handler.ts, two runtimes
      assert.isUndefined(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER) // the simulation put the environment back
    }).pipe(Effect.provide(DemoLive)))
})
