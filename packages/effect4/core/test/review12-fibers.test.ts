import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsService, SecretStore, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Redacted, Scope } from "effect"
import { TestClock } from "effect/testing"

const exact: SecretsOptions = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1 }

const withCache = <A, E>(
  secrets: Record<string, string | Uint8Array>,
  options: SecretsOptions,
  body: (
    secrets: SecretsService.Service,
    store: TestSecretStore.Service
  ) => Effect.Effect<A, E, SecretsService | TestSecretStore>
) =>
  Effect.gen(function*() {
    const service = yield* SecretsService
    const store = yield* TestSecretStore
    return yield* body(service, store)
  }).pipe(Effect.provide(SecretsService.layerTest(secrets, options)))

const text = (secret: { readonly value: Redacted.Redacted<string | Uint8Array> }) => {
  const value = Redacted.value(secret.value)
  return typeof value === "string" ? value : new TextDecoder().decode(value)
}

describe("review12 fibers (Effect 4 child-fiber semantics)", () => {
  it.effect("a load started by a grandchild whose parent finished at once still completes for another waiter", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        // The parent forks the starter and returns: Effect 4 interrupts the starter with it.
        const parent = yield* Effect.forkChild(Effect.gen(function*() {
          const starter = yield* Effect.forkChild(secrets.get("db"))
          yield* Effect.yieldNow
          return starter
        }))
        const starter = yield* Fiber.join(parent)
        yield* Effect.yieldNow
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(starter)), "the starter died with its parent")
        assert.strictEqual(yield* store.fetchCount("db"), 1, "the starter had started the load")
        const waiter = yield* Effect.forkChild(secrets.get("db"))
        yield* Effect.yieldNow
        yield* TestClock.adjust("1 second")
        const exit = yield* Fiber.await(waiter)
        assert.isTrue(Exit.isSuccess(exit))
        if (Exit.isSuccess(exit)) assert.strictEqual(text(exit.value), "v1")
        assert.strictEqual(yield* store.fetchCount("db"), 1)
        // and the load was cached
        yield* secrets.get("db")
        assert.strictEqual(yield* store.fetchCount("db"), 1)
      })))

  it.effect("a hundred gets from a concurrent forEach make one store call and all get the value", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        const all = yield* Effect.forkChild(
          Effect.forEach(Array.from({ length: 100 }, (_, i) => i), () => secrets.get("db"), {
            concurrency: "unbounded"
          })
        )
        yield* Effect.yieldNow
        yield* TestClock.adjust("1 second")
        const values = yield* Fiber.join(all)
        assert.strictEqual(values.length, 100)
        assert.isTrue(values.every((v) => text(v) === "v1"))
        assert.strictEqual(yield* store.fetchCount("db"), 1)
      })))

  it.effect("a starter timing out (Effect.timeout) interrupts neither the load nor the other waiters", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("10 seconds")
        const starter = yield* Effect.forkChild(Effect.timeoutOption(secrets.get("db"), "1 second"))
        yield* Effect.yieldNow
        const waiter = yield* Effect.forkChild(secrets.get("db"))
        yield* Effect.yieldNow
        yield* TestClock.adjust("1 second")
        const timedOut = yield* Fiber.join(starter)
        assert.isTrue(timedOut._tag === "None")
        yield* TestClock.adjust("9 seconds")
        const v = yield* Fiber.join(waiter)
        assert.strictEqual(text(v), "v1")
        assert.strictEqual(yield* store.fetchCount("db"), 1)
      })))

  it.effect("a race loser among two reads of one key does not interrupt the shared load", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        const raced = yield* Effect.forkChild(Effect.race(secrets.get("db"), Effect.sleep("500 millis")))
        yield* Effect.yieldNow
        yield* TestClock.adjust("500 millis")
        yield* Fiber.join(raced)
        const waiter = yield* Effect.forkChild(secrets.get("db"))
        yield* Effect.yieldNow
        yield* TestClock.adjust("500 millis")
        assert.strictEqual(text(yield* Fiber.join(waiter)), "v1")
        assert.strictEqual(yield* store.fetchCount("db"), 1)
      })))

  it.effect("invalidate during a load in flight never puts the entry back", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        const first = yield* Effect.forkChild(secrets.get("db"))
        yield* Effect.yieldNow
        yield* secrets.invalidate("db")
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(first)
        yield* store.put("db", "v2")
        yield* store.setLatency("0 millis")
        // Fast path and slow path both must not see the stale v1 committed by the invalidated load.
        const fast = yield* secrets.get("db")
        assert.strictEqual(text(fast), "v2")
        assert.strictEqual(yield* store.fetchCount("db"), 2)
      })))

  it.effect("a Read built once and yielded many times sees invalidate, rotation and expiry", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        const read = secrets.getString("db")
        assert.strictEqual(Redacted.value(yield* read), "v1")
        assert.strictEqual(Redacted.value(yield* read), "v1") // fast hit
        yield* store.put("db", "v2")
        assert.strictEqual(Redacted.value(yield* read), "v1") // still fresh
        yield* secrets.invalidate("db")
        assert.strictEqual(Redacted.value(yield* read), "v2")
        assert.strictEqual(Redacted.value(yield* read), "v2")
        yield* store.put("db", "v3")
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(Redacted.value(yield* read), "v3")
        yield* store.put("db", "v4")
        yield* secrets.invalidateAll
        assert.strictEqual(Redacted.value(yield* read), "v4")
        assert.strictEqual(yield* store.fetchCount("db"), 4)
      })))

  it.effect("fast hits and ordinary hits count alike in stats", () =>
    withCache({ db: "v1" }, exact, (secrets) =>
      Effect.gen(function*() {
        const read = secrets.get("db")
        yield* read
        for (let i = 0; i < 2500; i++) yield* read // fast path (with a yield every 1024)
        for (let i = 0; i < 5; i++) yield* Effect.map(read, (x) => x) // ordinary path
        const stats = yield* secrets.stats
        assert.strictEqual(stats.hits, 2505)
        assert.strictEqual(stats.misses, 1)
        assert.strictEqual(stats.loads, 1)
      })))

  it.effect("fast hits keep LRU order: a, b, a (fast), c at capacity 2 keeps a", () =>
    withCache({ a: "A", b: "B", c: "C" }, { ...exact, capacity: 2 }, (secrets, store) =>
      Effect.gen(function*() {
        const a = secrets.get("a")
        yield* a
        yield* secrets.get("b")
        yield* a
        yield* secrets.get("c")
        yield* a
        assert.strictEqual(yield* store.fetchCount("a"), 1)
        yield* secrets.get("b")
        assert.strictEqual(yield* store.fetchCount("b"), 2)
      })))

  it.effect("closing the layer with a waiter outside: the waiter ends, and the store call is stopped", () =>
    Effect.gen(function*() {
      let completed = 0
      let started = 0
      const store = SecretStore.of({
        fetch: (request) =>
          Effect.gen(function*() {
            started++
            yield* Effect.sleep("1 second")
            completed++
            return {
              kind: "string" as const,
              secretId: request.secretId,
              name: request.secretId,
              arn: "arn",
              versionId: "v1",
              versionStages: ["AWSCURRENT"],
              value: Redacted.make("x")
            }
          })
      })
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        SecretsService.layer(exact).pipe(Layer.provide(Layer.succeed(SecretStore, store))),
        scope
      )
      const secrets = context.mapUnsafe.get(SecretsService.key) as SecretsService.Service
      const waiter = yield* Effect.forkChild(secrets.get("db"))
      yield* Effect.yieldNow
      assert.strictEqual(started, 1)
      yield* Scope.close(scope, Exit.void)
      yield* TestClock.adjust("2 seconds")
      const exit = yield* Fiber.await(waiter)
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(completed, 0)
      const after = yield* Effect.exit(secrets.get("db"))
      assert.isTrue(Exit.isFailure(after))
      assert.strictEqual(started, 1)
    }))

  it.effect("invalidate during a prefetch batch in flight: the batch never puts the old value back", () =>
    withCache({ a: "a1", b: "b1", c: "c1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        const prefetching = yield* Effect.forkChild(secrets.prefetch(["a", "b", "c"]))
        yield* Effect.yieldNow
        yield* store.put("b", "b2")
        yield* secrets.invalidate("b")
        yield* TestClock.adjust("1 second")
        const results = yield* Fiber.join(prefetching)
        assert.strictEqual(results.length, 3)
        yield* store.setLatency("0 millis")
        const batches = yield* store.batchCount
        const b = yield* secrets.get("b")
        assert.strictEqual(text(b), "b2")
        const a = yield* secrets.get("a")
        assert.strictEqual(text(a), "a1")
        assert.strictEqual(yield* store.batchCount, batches)
        assert.strictEqual(yield* store.fetchCount("a"), 1)
      })))

  it.effect("a prefetch started by a child whose parent finished still answers a reader that joined it", () =>
    withCache({ a: "a1", b: "b1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        yield* store.setLatency("1 second")
        const parent = yield* Effect.forkChild(Effect.gen(function*() {
          yield* Effect.forkChild(secrets.prefetch(["a", "b"]))
          yield* Effect.yieldNow
        }))
        yield* Fiber.join(parent)
        assert.strictEqual(yield* store.batchCount, 1)
        const reader = yield* Effect.forkChild(secrets.get("b"))
        yield* Effect.yieldNow
        yield* TestClock.adjust("1 second")
        assert.strictEqual(text(yield* Fiber.join(reader)), "b1")
        assert.strictEqual(yield* store.fetchCount(), 1)
        yield* secrets.get("a")
        assert.strictEqual(yield* store.fetchCount(), 1)
      })))
})
