// Behaviours found by review: each test names the rule it holds the service to.
import type { SecretsOptions, SecretValue } from "@effect-secrets/core"
import { SecretsService, SecretStore, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Duration, Effect, Exit, Fiber, Layer, Redacted, Ref, Result, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as v8 from "node:v8"
import * as vm from "node:vm"

const exact: SecretsOptions = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1 }

const withCache = <A, E>(
  secrets: Record<string, string>,
  options: SecretsOptions,
  body: (secrets: SecretsService.Service, store: TestSecretStore.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    return yield* body(yield* SecretsService, yield* TestSecretStore)
  }).pipe(Effect.provide(SecretsService.layerTest(secrets, options)))

const ioTurn = Effect.callback<void>((resume) => void setImmediate(() => resume(Effect.void)))

describe("rule 2: age counts from the start of the store call", () => {
  it.effect("a value that took 10 s to arrive expires 60 s after the call started, not after it answered", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("10 seconds")
        const first = yield* Effect.forkChild(secrets.get("db"))
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.join(first)
        yield* store.setLatency(0)
        yield* TestClock.adjust(Duration.subtract(Duration.seconds(50), Duration.millis(1)))
        yield* secrets.get("db")
        assert.strictEqual(yield* store.fetchCount("db"), 1)
        yield* TestClock.adjust("1 millis")
        yield* secrets.get("db")
        assert.strictEqual(yield* store.fetchCount("db"), 2)
      })))
})

describe("rule 5: a failure is shared", () => {
  it.effect("a hundred concurrent callers of a failing load make one store call, and so do the next hundred", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.failNext("db", "unavailable")
        yield* store.setLatency("1 second")
        const fibers = yield* Effect.forEach(Array.from({ length: 100 }), () => Effect.forkChild(secrets.get("db")))
        yield* TestClock.adjust("1 second")
        const exits = yield* Effect.forEach(fibers, Fiber.await)
        assert.isTrue(exits.every(Exit.isFailure))
        const again = yield* Effect.all(Array.from({ length: 100 }, () => Effect.exit(secrets.get("db"))), {
          concurrency: "unbounded"
        })
        assert.isTrue(again.every(Exit.isFailure))
        assert.strictEqual(yield* store.fetchCount("db"), 1)
      })))
})

describe("rule 7: what evicts and what does not", () => {
  it.effect("a rejected request evicts at once", () =>
    withCache({ db: "v1" }, { ...exact, maxStale: "1 hour" }, (secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        yield* store.failNext("db", "rejected")
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual((yield* Effect.flip(secrets.get("db")))._tag, "SecretRequestRejected")
        assert.strictEqual((yield* secrets.stats).size, 0)
      })))

  it.effect("a defect of the store is ridden out on the previous value, like a transient failure", () =>
    withCache({ db: "v1" }, { ...exact, maxStale: "1 hour" }, (secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        yield* store.failNext("db", "defect")
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v1")
        assert.strictEqual((yield* secrets.stats).staleReads, 1)
      })))
})

describe("rule 8: closing the layer", () => {
  it.effect("stops a background refresh in flight, drops every value, and later reads fail loudly", () =>
    Effect.gen(function*() {
      const interrupted = yield* Ref.make(0)
      const calls = yield* Ref.make(0)
      const value = (secretId: string): SecretValue => ({
        secretId,
        name: secretId,
        arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretId}-AbCdEf`,
        versionId: "00000000-0000-4000-8000-000000000001",
        versionStages: ["AWSCURRENT"],
        kind: "string",
        value: Redacted.make("v1")
      })
      // The first call answers at once; later ones take 10 s.
      const store = Layer.succeed(SecretStore, {
        fetch: (request) =>
          Effect.flatMap(Ref.getAndUpdate(calls, (n) => n + 1), (n) =>
            n === 0
              ? Effect.succeed(value(request.secretId))
              : Effect.as(Effect.sleep("10 seconds"), value(request.secretId)).pipe(
                Effect.onInterrupt(() => Ref.update(interrupted, (i) => i + 1))
              ))
      })
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        SecretsService.layer({ timeToLive: "100 seconds", jitter: 0, refreshAhead: 0.8 }).pipe(Layer.provide(store)),
        scope
      )
      const secrets = Context.get(context, SecretsService)
      yield* secrets.get("db")
      yield* TestClock.adjust("80 seconds")
      yield* secrets.get("db") // starts the background refresh
      yield* Effect.yieldNow
      assert.strictEqual(yield* Ref.get(calls), 2)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(yield* Ref.get(interrupted), 1, "the background refresh was interrupted")
      const after = yield* Effect.exit(secrets.get("db"))
      // A defect alone, as Effect 3's `cause._tag === "Die"` said: no typed error a caller could mistake for an answer.
      assert.isTrue(Exit.isFailure(after) && after.cause.reasons.every(Cause.isDieReason) && Cause.hasDies(after.cause))
    }))
})

describe("rule 9: an eviction is a generation too", () => {
  it.effect("a load whose key was evicted while in flight answers its caller but is not cached", () =>
    withCache({ a: "A", b: "B" }, { ...exact, capacity: 1 }, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("10 seconds")
        const a = yield* Effect.forkChild(secrets.get("a"))
        yield* Effect.yieldNow
        yield* store.setLatency(0)
        yield* secrets.get("b") // evicts a's slot while its load is in flight
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual((yield* Fiber.join(a)).name, "a")
        assert.strictEqual((yield* secrets.stats).size, 1)
        yield* secrets.get("b")
        assert.strictEqual(yield* store.fetchCount("b"), 1, "b is the one cached")
      })))
})

describe("rule 12: only a validated id can hit", () => {
  it.effect("an invalid id that spells another entry's key fails with InvalidSecretId", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.put("db", "v2")
        yield* secrets.get("db", { versionStage: "AWSPREVIOUS" })
        const error = yield* Effect.flip(secrets.get("db\u0000AWSPREVIOUS\u0000"))
        assert.strictEqual(error._tag, "InvalidSecretId")
      })))

  it.effect("an id pasted by mistake (a long value) is cut short in the error", () =>
    withCache({}, exact, (secrets) =>
      Effect.gen(function*() {
        const pasted = `${"x".repeat(300)} tail-that-must-not-travel`
        const error = yield* Effect.flip(secrets.get(pasted))
        assert.notInclude(JSON.stringify(error), "tail-that-must-not-travel")
        assert.notInclude(error.message, "tail-that-must-not-travel")
      })))
})

describe("prefetch under faults", () => {
  it.effect("a secret inside its failure backoff is not fetched again", () =>
    withCache(
      { db: "v1" },
      { ...exact, failureBackoff: { base: "1 minute", max: "1 minute" } },
      (secrets, store) =>
        Effect.gen(function*() {
          yield* store.failNext("db", "unavailable")
          yield* Effect.flip(secrets.get("db"))
          for (let i = 0; i < 5; i++) yield* secrets.prefetch(["db"])
          assert.strictEqual(yield* store.fetchCount(), 1)
        })
    ))

  it.effect("a batch rejected as a whole falls back to single reads and evicts nothing", () =>
    withCache({ a: "A", b: "B" }, { ...exact, maxStale: "1 hour" }, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.failNextBatch("rejected")
        const results = yield* secrets.prefetch(["a", "b"])
        assert.isTrue(results.every(Result.isSuccess))
        assert.strictEqual(yield* store.fetchCount(), 3, "the rejected batch and two single reads")
      })))

  it.effect("a throttled batch fails each secret with an error naming that secret", () =>
    withCache({ a: "A", b: "B" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.failNextBatch("throttled")
        const results = yield* secrets.prefetch(["a", "b"])
        const ids = results.map((r) => Result.isFailure(r) ? r.failure.secretId : "ok")
        assert.deepStrictEqual(ids, ["a", "b"])
      })))
})

describe("memory", () => {
  it.effect("values are let go after rotation and invalidation, prefetched ones included", () =>
    withCache({ db: "v0" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        // V8's collector, reached without a command-line flag.
        v8.setFlagsFromString("--expose_gc")
        const gc = vm.runInNewContext("gc") as () => void
        const refs: Array<WeakRef<object>> = []
        // More loads than the in-flight table's renewal threshold, half of them through prefetch.
        // Each read in its own generator, so that no frame of this test holds a value when the collector runs.
        const readVersion = (i: number) =>
          Effect.gen(function*() {
            yield* store.put("db", `v${i}`)
            yield* secrets.invalidate("db")
            const value = i % 2 === 0
              ? yield* secrets.get("db")
              : Result.getOrThrow((yield* secrets.prefetch(["db"]))[0]!)
            return new WeakRef(value)
          })
        for (let i = 1; i <= 300; i++) refs.push(yield* readVersion(i))
        yield* secrets.invalidateAll
        // WeakRef targets are held until the current job ends, and a finished fiber may still be referenced by the
        // scheduler for a turn or two: a few turns and collections, never a leak's forever.
        let alive = refs.length
        for (let round = 0; round < 5 && alive > 0; round++) {
          yield* ioTurn
          gc()
          alive = refs.filter((ref) => ref.deref() !== undefined).length
        }
        assert.strictEqual(alive, 0)
      })))
})
