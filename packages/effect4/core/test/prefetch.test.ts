import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsService, SecretStore, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Result } from "effect"
import { TestClock } from "effect/testing"

const exact: SecretsOptions = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1 }
const ids = Array.from({ length: 45 }, (_, i) => `app/secret-${i}`)
const seeded = Object.fromEntries(ids.filter((id) => id !== "app/secret-17").map((id) => [id, `value-${id}`]))

const withCache = <A, E>(
  body: (secrets: SecretsService.Service, store: TestSecretStore.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    return yield* body(yield* SecretsService, yield* TestSecretStore)
  }).pipe(Effect.provide(SecretsService.layerTest(seeded, exact)))

describe("prefetch", () => {
  it.effect("45 secrets take 3 batch calls; a missing one fails alone; then every read is a hit", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        const results = yield* secrets.prefetch(ids)
        assert.strictEqual(yield* store.batchCount, 3)
        assert.strictEqual(yield* store.fetchCount(), 3)
        assert.strictEqual(results.length, 45)
        const failed = results.flatMap((result, i) => Result.isFailure(result) ? [[ids[i], result.failure._tag]] : [])
        assert.deepStrictEqual(failed, [["app/secret-17", "SecretNotFound"]])
        assert.strictEqual(Result.getOrThrow(results[3]!).name, "app/secret-3")
        for (const id of ids.filter((id) => id !== "app/secret-17")) yield* secrets.get(id)
        assert.strictEqual(yield* store.fetchCount(), 3, "no store call after the prefetch")
        assert.strictEqual((yield* secrets.stats).size, 44)
      })
    ))

  it.effect("secrets already fresh are not fetched again", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("app/secret-0")
        yield* secrets.prefetch(["app/secret-0", "app/secret-1"])
        assert.strictEqual(yield* store.fetchCount("app/secret-0"), 1)
        assert.strictEqual(yield* store.fetchCount("app/secret-1"), 1)
      })
    ))

  it.effect("a reader arriving during the prefetch joins it instead of making its own call", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        const prefetching = yield* Effect.forkChild(secrets.prefetch(["app/secret-1", "app/secret-2"]))
        yield* Effect.yieldNow
        const reader = yield* Effect.forkChild(secrets.get("app/secret-2"))
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(prefetching)
        assert.strictEqual((yield* Fiber.join(reader)).name, "app/secret-2")
        assert.strictEqual(yield* store.fetchCount(), 1, "one batch call, nothing else")
      })
    ))

  it.effect("a reader of a secret whose chunk has not started reads it alone instead of waiting behind other chunks", () =>
    Effect.gen(function*() {
      const many = Array.from({ length: 100 }, (_, i) => `app/many-${i}`)
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      yield* store.setLatency("1 second")
      // 5 chunks of 20, 4 at a time: the fifth starts only when one of the first four is done.
      const prefetching = yield* Effect.forkChild(secrets.prefetch(many))
      yield* Effect.yieldNow
      const reader = yield* Effect.forkChild(secrets.get("app/many-95"))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(reader)).name, "app/many-95", "answered by its own read, at 1 s")
      assert.isUndefined(prefetching.pollUnsafe(), "the prefetch still waits for its fifth chunk")
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(prefetching)
      assert.isTrue(results.every(Result.isSuccess))
      assert.strictEqual(yield* store.batchCount, 5)
      assert.strictEqual(yield* store.fetchCount("app/many-95"), 1, "the fifth chunk left the fresh secret out")
    }).pipe(
      Effect.provide(
        SecretsService.layerTest(
          Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`app/many-${i}`, "v"])),
          exact
        )
      )
    ))

  it.effect("a batch failing for want of credentials fails each secret transiently, the detail kept", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* store.failNextBatch("credentials")
        const [result] = yield* secrets.prefetch(["app/secret-1"])
        const error = Result.flip(result!).pipe(Result.getOrThrow)
        assert.strictEqual(error._tag, "SecretsUnavailable")
        if (error._tag === "SecretsUnavailable") {
          assert.strictEqual(error.reason, "credentials")
          assert.strictEqual(error.secretId, "app/secret-1")
          assert.isDefined(error.detail)
        }
      })
    ))

  it.effect("a misconfigured store fails each secret of the batch at once, with no single reads", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* store.failNextBatch("misconfigured")
        const results = yield* secrets.prefetch(["app/secret-1", "app/secret-2"])
        assert.deepStrictEqual(results.map((r) => Result.isFailure(r) ? r.failure._tag : "ok"), [
          "SecretsMisconfigured",
          "SecretsMisconfigured"
        ])
        assert.strictEqual(yield* store.fetchCount(), 1, "the batch call alone")
      })
    ))

  it.effect("a batch that dies is a store defect for its own secrets only: readers of other chunks get their values", () =>
    Effect.gen(function*() {
      const many = Array.from({ length: 100 }, (_, i) => `app/many-${i}`)
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      yield* store.setLatency("1 second")
      yield* store.failNextBatch("defect")
      const prefetching = yield* Effect.forkChild(secrets.prefetch(many))
      yield* Effect.yieldNow
      const readers = yield* Effect.forkChild(
        Effect.forEach(
          ["app/many-0", "app/many-25", "app/many-45", "app/many-65"],
          (id) => Effect.exit(secrets.get(id)),
          {
            concurrency: "unbounded"
          }
        )
      )
      yield* TestClock.adjust("2 seconds")
      const results = yield* Fiber.join(prefetching)
      assert.strictEqual(results.filter(Result.isFailure).length, 20, "the chunk whose batch died, and no other")
      const exits = yield* Fiber.join(readers)
      for (const exit of exits) {
        assert.isFalse(Exit.hasInterrupts(exit), "a reader is never interrupted by a batch")
      }
      assert.strictEqual(exits.filter(Exit.isSuccess).length, 3)
    }).pipe(
      Effect.provide(
        SecretsService.layerTest(
          Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`app/many-${i}`, "v"])),
          exact
        )
      )
    ))

  it.effect("a prefetch of more secrets than the capacity reads each secret once", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      const results = yield* secrets.prefetch(ids.filter((id) => id !== "app/secret-17"))
      assert.isTrue(results.every(Result.isSuccess))
      assert.strictEqual(yield* store.fetchCount(), 3, "three batch calls, no single read")
      assert.strictEqual((yield* secrets.stats).size, 20)
    }).pipe(Effect.provide(SecretsService.layerTest(seeded, { ...exact, capacity: 20 }))))

  it.effect("an id a batch leaves out, or answers with another secret, is read alone", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      const results = yield* secrets.prefetch(["app/secret-1", "app/secret-2", "app/secret-3"])
      assert.deepStrictEqual(results.map((r) => Result.getOrThrow(r).name), [
        "app/secret-1",
        "app/secret-2",
        "app/secret-3"
      ])
      assert.strictEqual(yield* store.fetchCount("app/secret-1"), 2, "in the batch, then alone")
      assert.strictEqual(yield* store.fetchCount("app/secret-2"), 2, "in the batch, then alone")
      assert.strictEqual(yield* store.fetchCount("app/secret-3"), 1)
    }).pipe(
      Effect.provide(
        SecretsService.layer(exact).pipe(
          // A store breaking the batch contract: secret-1 left out, secret-2 answered with secret-3's value.
          Layer.provide(Layer.effect(
            SecretStore,
            Effect.map(TestSecretStore, (store) => ({
              fetch: store.fetch,
              batchSize: 20,
              fetchBatch: (secretIds: ReadonlyArray<string>) =>
                Effect.map(store.fetchBatch!(secretIds), (answers) => {
                  const broken = new Map(answers)
                  broken.delete("app/secret-1")
                  broken.set("app/secret-2", answers.get("app/secret-3")!)
                  return broken
                })
            }))
          )),
          Layer.provideMerge(TestSecretStore.layer(seeded))
        )
      )
    ))

  it.effect("without batch permission it falls back to single reads", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* store.failNextBatch("accessDenied")
        const results = yield* secrets.prefetch(["app/secret-1", "app/secret-2", "app/secret-17"])
        assert.deepStrictEqual(results.map(Result.isSuccess), [true, true, false])
        assert.strictEqual(yield* store.batchCount, 1)
        assert.strictEqual(yield* store.fetchCount(), 4, "the denied batch, then three single reads")
      })
    ))

  it.effect("a throttled batch fails its secrets transiently, and they load again after the backoff", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* store.failNextBatch("throttled")
        const results = yield* secrets.prefetch(["app/secret-1"])
        assert.strictEqual(Result.flip(results[0]!).pipe(Result.getOrThrow)._tag, "SecretsUnavailable")
        yield* TestClock.adjust("1 second")
        assert.strictEqual((yield* secrets.get("app/secret-1")).name, "app/secret-1")
      })
    ))

  it.effect("interrupting the caller of a prefetch leaves no secret stuck", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        const prefetching = yield* Effect.forkChild(secrets.prefetch(["app/secret-1"]))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(prefetching)
        const reader = yield* Effect.forkChild(secrets.get("app/secret-1"))
        yield* TestClock.adjust("1 second")
        assert.strictEqual((yield* Fiber.join(reader)).name, "app/secret-1")
        assert.strictEqual(yield* store.fetchCount(), 1)
      })
    ))

  it.effect("a store without batch reads each secret once, and invalid ids fail alone", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      const results = yield* secrets.prefetch(["app/secret-1", "not valid!", "app/secret-2"])
      assert.deepStrictEqual(results.map((r) => Result.isFailure(r) ? r.failure._tag : "ok"), [
        "ok",
        "InvalidSecretId",
        "ok"
      ])
      assert.strictEqual(yield* store.batchCount, 0)
      assert.strictEqual(yield* store.fetchCount(), 2)
    }).pipe(
      Effect.provide(
        SecretsService.layer(exact).pipe(
          // The same store, seen through a port without `fetchBatch`.
          Layer.provide(Layer.effect(SecretStore, Effect.map(TestSecretStore, (store) => ({ fetch: store.fetch })))),
          Layer.provideMerge(TestSecretStore.layer(seeded))
        )
      )
    ))
})
