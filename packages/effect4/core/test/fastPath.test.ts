// The hit path for `yield*`: a read whose entry is fresh answers with its prebuilt Exit, which Effect 4's generator
// runner takes without a run-loop step (an Exit yielded directly is read in place). Each rule of a hit holds there
// exactly as on the ordinary path, and an effect built once and yielded again sees expiry, rotation and invalidation.
import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsMetrics, SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Metric, Redacted, Scope } from "effect"
import { TestClock } from "effect/testing"

const exact: SecretsOptions = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1 }

const withCache = <A, E>(
  seeded: Record<string, string>,
  options: SecretsOptions,
  body: (secrets: SecretsService.Service, store: TestSecretStore.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    return yield* body(yield* SecretsService, yield* TestSecretStore)
  }).pipe(Effect.provide(SecretsService.layerTest(seeded, options)))

// What a `yield*` of the effect hands Effect's generator runner: an Exit (no run-loop step) or an effect to run.
const yielded = (effect: Effect.Effect<unknown, unknown>): unknown => {
  const step = effect[Symbol.iterator]().next(undefined as never)
  return step.value
}

describe("the yield* fast path", () => {
  it.effect("a fresh entry is handed over as its prebuilt Exit; a cold or expired one as the ordinary effect", () =>
    withCache({ db: "v1" }, exact, (secrets) =>
      Effect.gen(function*() {
        const read = secrets.getString("db")
        assert.strictEqual(yielded(read), read, "cold: the ordinary effect")
        yield* read
        assert.isTrue(Exit.isExit(yielded(read)), "fresh: an Exit")
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(yielded(read), read, "expired at age == TTL: the ordinary effect")
      })))

  it.effect("an effect built once and yielded again sees expiry and rotation", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        const read = Effect.map(secrets.getString("db"), Redacted.value)
        const direct = secrets.getString("db")
        assert.strictEqual(Redacted.value(yield* direct), "v1")
        yield* store.put("db", "v2")
        yield* TestClock.adjust("59 seconds")
        assert.strictEqual(Redacted.value(yield* direct), "v1", "fresh until the TTL")
        yield* TestClock.adjust("1 second")
        assert.strictEqual(Redacted.value(yield* direct), "v2", "the same effect, after the TTL")
        assert.strictEqual(yield* read, "v2")
        assert.strictEqual(yield* store.fetchCount("db"), 2)
      })))

  it.effect("an effect built once and yielded again sees invalidation", () =>
    withCache({ db: "v1" }, exact, (secrets, store) =>
      Effect.gen(function*() {
        const direct = secrets.getString("db")
        yield* direct
        yield* store.put("db", "v2")
        yield* secrets.invalidate("db")
        assert.strictEqual(Redacted.value(yield* direct), "v2")
        assert.strictEqual(yield* store.fetchCount("db"), 2)
      })))

  it.effect("a hit past refresh-ahead still starts exactly one background refresh", () =>
    withCache(
      { db: "v1" },
      { timeToLive: "60 seconds", jitter: 0, refreshAhead: 0.5 },
      (secrets, store) =>
        Effect.gen(function*() {
          const direct = secrets.getString("db")
          yield* direct
          yield* store.put("db", "v2")
          yield* store.setLatency("1 second")
          yield* TestClock.adjust("30 seconds")
          assert.strictEqual(Redacted.value(yield* direct), "v1", "answered at once with the cached value")
          assert.strictEqual(Redacted.value(yield* direct), "v1", "and again while the refresh is in flight")
          yield* TestClock.adjust("1 second")
          assert.strictEqual((yield* secrets.stats).backgroundRefreshes, 1)
          assert.strictEqual(yield* store.fetchCount("db"), 2)
          assert.isTrue(Exit.isExit(yielded(direct)), "the refreshed entry is fresh: the fast path again")
          assert.strictEqual(Redacted.value(yield* direct), "v2")
        })
    ))

  it.effect("hits through the fast path keep LRU order: a, b, a, c with capacity 2 keeps a", () =>
    withCache({ a: "a", b: "b", c: "c" }, { ...exact, capacity: 2 }, (secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("a")
        yield* secrets.get("b")
        assert.isTrue(Exit.isExit(yielded(secrets.get("a"))), "the second read of a is a fast-path hit")
        yield* secrets.get("c")
        yield* secrets.get("a")
        assert.strictEqual(yield* store.fetchCount("a"), 1)
        yield* secrets.get("b")
        assert.strictEqual(yield* store.fetchCount("b"), 2)
      })))

  it.effect("hits through the fast path are counted in stats and in the hits metric", () =>
    withCache({ db: "v1" }, exact, (secrets) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        const before = (yield* Metric.value(SecretsMetrics.hits)).count
        for (let i = 0; i < 5; i++) yield* secrets.getString("db")
        assert.strictEqual((yield* secrets.stats).hits, 5)
        assert.strictEqual((yield* Metric.value(SecretsMetrics.hits)).count - before, 5)
      })))

  it.effect("through map and flatMap (no generator) the same read is the ordinary effect, and counts alike", () =>
    withCache({ db: "v1" }, exact, (secrets) =>
      Effect.gen(function*() {
        const length = secrets.getString("db").pipe(Effect.map((value) => Redacted.value(value).length))
        assert.strictEqual(yield* length, 2)
        assert.strictEqual(yield* length, 2)
        const stats = yield* secrets.stats
        assert.deepStrictEqual([stats.misses, stats.hits, stats.loads], [1, 1, 1])
      })))

  it.effect("a read built while the layer was open dies once it has closed, fresh entry or not", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(SecretsService.layerTest({ db: "v1" }, exact), scope)
      const secrets = Context.get(context, SecretsService)
      const read = secrets.getString("db")
      yield* read
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(yielded(read), read, "no Exit from a closed service")
      const exit = yield* Effect.exit(Effect.gen(function*() {
        return yield* read
      }))
      assert.isTrue(Exit.isFailure(exit) && Exit.hasInterrupts(exit) === false)
    }))

  it.effect("fast-path hits take no run-loop step: the op count stands still, unlike the ordinary effect's", () =>
    withCache({ db: "v1" }, exact, (secrets) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        const ops = Effect.withFiber((fiber) => Effect.succeed(fiber.currentOpCount))
        const read = secrets.get("db")
        const idle = yield* ops
        const baseline = (yield* ops) - idle // what reading the count costs
        const start = yield* ops
        for (let i = 0; i < 100; i++) yield* read
        const fast = (yield* ops) - start
        const ordinary = read.pipe(Effect.map((secret) => secret))
        const again = yield* ops
        for (let i = 0; i < 100; i++) yield* ordinary
        const slow = (yield* ops) - again
        assert.strictEqual(fast, baseline, "100 hits, no step at all")
        assert.isAtLeast(slow, 100, "the ordinary effect steps the run loop on every read")
      })))

  it.effect("a long run of fast-path hits still lets other fibers run: one hit in 1024 yields", () =>
    withCache({ db: "v1" }, exact, (secrets) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        let ran = false
        yield* Effect.forkChild(Effect.sync(() => {
          ran = true
        }))
        const read = secrets.get("db")
        let before = 0
        // The runner takes each hit's Exit in place, never reaching its own yield check: without the 1-in-1024 yield
        // the other fiber would not run until this loop ends.
        for (let i = 0; i < 2048; i++) {
          yield* read
          if (!ran) before++
        }
        assert.isTrue(ran)
        assert.isAtMost(before, 1024, "the other fiber ran within 1024 hits")
        assert.strictEqual((yield* secrets.stats).hits, 2048)
      })))

  it.effect("with traceHits, a hit is a span again (the fast path steps aside)", () =>
    withCache({ db: "v1" }, { ...exact, traceHits: true }, (secrets) =>
      Effect.gen(function*() {
        yield* secrets.get("db")
        assert.notOk(Exit.isExit(yielded(secrets.get("db"))))
      })))
})
