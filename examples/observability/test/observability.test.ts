import { assert, describe, it } from "@effect/vitest"
import type { Fiber } from "effect"
import { Chunk, Clock, Effect, TestClock } from "effect"
import { program } from "../src/program.js"

// One turn of Node's event loop: real I/O moves while the TestClock stands still.
const ioTurn = Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void)))

// Runs the example on the TestClock: its HTTP calls happen for real; whenever it waits on a sleep, time jumps there.
const finish = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 50_000; turn++) {
      const exit = fiber.unsafePoll()
      if (exit !== null) return yield* exit
      const now = yield* Clock.currentTimeMillis
      const due = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((t) => t > now && t - now <= 1_000)
      if (due.length > 0) yield* TestClock.setTime(Math.min(...due))
      else yield* ioTurn
    }
    return yield* Effect.dieMessage("the example did not finish")
  })

describe("observability", () => {
  it.effect("exports the cache's spans under the request spans, and its metrics, with no secret value", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const fiber = yield* Effect.fork(program((line) => Effect.sync(() => void lines.push(line))))
      yield* finish(fiber)
      const out = lines.join("\n")
      assert.include(out, "  GET /orders (cold)\n    SecretsService.get  {secret.id=prod/api-key, cache.outcome=miss}")
      assert.match(out, /SecretsService\.load {2}\{secret\.id=prod\/api-key, load\.batched=false, secret\.version_id=/)
      assert.include(out, "SecretStore.fetch  {secret.id=prod/api-key}")
      assert.include(out, "cache.outcome=stale")
      assert.include(out, "load.outcome=SecretNotFound")
      assert.include(out, "effect_secrets_hits_total 2")
      assert.include(out, "effect_secrets_load_failures_total{error=\"SecretsUnavailable\"} 2")
      assert.include(out, "effect_secrets_stale_reads_total 2")
      for (const value of ["key-v1", "key-v2", "pw-v1"]) assert.notInclude(out, value)
    }))
})
