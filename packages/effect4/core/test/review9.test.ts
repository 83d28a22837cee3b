// Found by review of the speed work (issue 9): each test failed before its fix.
import type { SecretValue } from "@effect-secrets/core"
import { SecretsService, SecretStore, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Fiber, Layer, Random, Redacted, Scope } from "effect"
import { TestClock } from "effect/testing"

const exact = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1 } as const

// Effect 4 has no `Random.fixed`: a Random that answers the given doubles in turn, as Effect 3's did.
const fixedRandom = (values: ReadonlyArray<number>): Random.Random => {
  let i = 0
  const next = () => values[i++ % values.length]!
  return { nextDoubleUnsafe: next, nextIntUnsafe: () => Math.floor(next() * Number.MAX_SAFE_INTEGER) }
}

describe("review of the fast path and the start-up spread", () => {
  it.effect("a loop of fast-path hits can still be interrupted (Effect's generator takes an Exit without a step)", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      yield* secrets.get("db")
      let reads = 0
      const loop = yield* Effect.forkChild(Effect.gen(function*() {
        while (reads < 1_000_000) {
          yield* secrets.get("db")
          reads++
        }
      }))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(loop)
      assert.isBelow(reads, 10_000, "interrupted within a few thousand reads, not after the whole loop")
    }).pipe(Effect.provide(SecretsService.layerTest({ db: "v1" }, exact))))

  it.effect("a cold load after the service's first TTL (after an invalidate) is not spread", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      yield* secrets.get("db") // start-up: draws 0 (lifetime 100 s) and 0.5 (refresh-ahead from 40 s)
      yield* TestClock.adjust("150 seconds")
      yield* secrets.invalidate("db")
      yield* secrets.get("db") // cold, but past the first TTL: draws 0 only, refresh-ahead from 80 s
      assert.strictEqual(yield* store.fetchCount("db"), 2)
      yield* TestClock.adjust("79 seconds")
      yield* secrets.get("db")
      assert.strictEqual(yield* store.fetchCount("db"), 2, "no early refresh")
      yield* TestClock.adjust("1 second")
      yield* secrets.get("db")
      yield* Effect.yieldNow
      assert.strictEqual(yield* store.fetchCount("db"), 3)
    }).pipe(
      Effect.provide(
        SecretsService.layerTest({ db: "v1" }, { timeToLive: "100 seconds", jitter: 0.1, refreshAhead: 0.8 })
      ),
      Effect.provideService(Random.Random, fixedRandom([0, 0.5]))
    ))

  it.effect("prefetch and refresh after the layer closed die with a plain message instead of hanging", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(SecretsService.layerTest({ a: "v" }, exact), scope)
      const secrets = Context.get(context, SecretsService)
      yield* Scope.close(scope, Exit.void)
      for (
        const effect of [secrets.prefetch(["a", "b"]), secrets.refresh("a")] as ReadonlyArray<
          Effect.Effect<unknown, unknown>
        >
      ) {
        const exit = yield* Effect.exit(effect)
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        if (Exit.isFailure(exit)) assert.include(Cause.pretty(exit.cause), "used after its layer was closed")
      }
    }))

  it.effect("a store whose fetch throws is a store defect with backoff, not a key that fails for ever", () =>
    Effect.gen(function*() {
      let calls = 0
      const value: SecretValue = {
        secretId: "db",
        name: "db",
        arn: "",
        versionId: "00000000-0000-4000-8000-000000000001",
        versionStages: ["AWSCURRENT"],
        kind: "string",
        value: Redacted.make("v1")
      }
      const store = Layer.succeed(SecretStore, {
        fetch: () => {
          if (calls++ === 0) throw new Error("a store with a bug")
          return Effect.succeed(value)
        }
      })
      yield* Effect.gen(function*() {
        const secrets = yield* SecretsService
        const first = yield* Effect.exit(secrets.get("db"))
        assert.isTrue(Exit.isFailure(first) && Cause.hasDies(first.cause))
        yield* TestClock.adjust("1 second") // the failure backoff
        assert.strictEqual((yield* secrets.get("db")).versionId, value.versionId)
        assert.strictEqual(calls, 2)
      }).pipe(Effect.provide(SecretsService.layer(exact).pipe(Layer.provide(store))))
    }))
})
