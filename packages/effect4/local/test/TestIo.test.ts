// TestIo on Effect 4: the recording clock stands in for Effect 3's TestClock.sleeps(), so finish still jumps to the
// sleeps due within its window, and only to those.
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"

const agentGet = (secretId: string) =>
  LocalSecretsManager.use((local) =>
    Effect.promise((signal) =>
      fetch(`${local.url}/secretsmanager/get?secretId=${secretId}`, {
        headers: { "X-Aws-Parameters-Secrets-Token": "t" },
        signal
      }).then(async (response) => ({ status: response.status, body: await response.text() }))
    )
  )

// Lets forked fibers start, and so register their sleeps.
const settle = Effect.andThen(Effect.yieldNow, TestIo.ioTurn)

describe("TestIo", () => {
  it.effect("finish jumps the TestClock to the server's latency, and the call's real I/O completes", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      yield* local.faults.setLatency("3 seconds", { secretId: "db" })
      const fiber = yield* Effect.forkChild(agentGet("db"))
      const answer = yield* TestIo.finish(fiber)
      assert.strictEqual(answer.status, 200)
      assert.include(answer.body, "hunter2")
      assert.strictEqual(yield* Clock.currentTimeMillis, 3_000)
    }).pipe(
      Effect.provide(LocalSecretsManager.layer({ secrets: { db: "hunter2" } }).pipe(Layer.provideMerge(TestIo.layer)))
    ))

  it.effect("a sleep due past the window never fires: finish gives up after its turns, the clock unmoved", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.sleep("1 hour"))
      const exit = yield* Effect.exit(TestIo.finish(fiber, { window: 1_000, turns: 20 }))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
      assert.deepStrictEqual(yield* TestIo.sleeps, [3_600_000])
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* TestIo.sleeps, [])
    }).pipe(TestIo.withRecording))

  it.effect("sleeps lists the sleeps in progress, soonest first; TestClock.adjust still drives the clock", () =>
    Effect.gen(function*() {
      const late = yield* Effect.forkChild(Effect.sleep("5 seconds"))
      const early = yield* Effect.forkChild(Effect.sleep("2 seconds"))
      yield* settle
      assert.deepStrictEqual(yield* TestIo.sleeps, [2_000, 5_000])
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(early)
      assert.deepStrictEqual(yield* TestIo.sleeps, [5_000])
      assert.isUndefined(late.pollUnsafe())
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(late)
      assert.deepStrictEqual(yield* TestIo.sleeps, [])
    }).pipe(Effect.provide(TestIo.layer)))

  it.effect("without the recording clock finish dies at once, and says what it needs", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.sleep("1 second"))
      const exit = yield* Effect.exit(TestIo.finish(fiber))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", "TestIo.layer")
      assert.deepStrictEqual(yield* TestIo.sleeps, [])
      yield* Fiber.interrupt(fiber)
    }))
})
