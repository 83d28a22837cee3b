import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsService, SecretStore, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cache, Clock, Context, Duration, Effect, Exit, Fiber, Layer, Random, Redacted, Ref, Scope } from "effect"
import { TestClock } from "effect/testing"

// Every rule is tested with jitter 0 and refresh-ahead off unless the rule is about them, so deadlines are exact.
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

// What Effect 3's `Random.fixed` was (Effect 4 has none): the draws in order, again and again.
const fixedRandom = (draws: ReadonlyArray<number>): Random.Random => {
  let i = 0
  const next = () => draws[i++ % draws.length]!
  return { nextDoubleUnsafe: next, nextIntUnsafe: () => Math.floor(next() * Number.MAX_SAFE_INTEGER) }
}

const text = (secret: { readonly value: Redacted.Redacted<string | Uint8Array> }) => {
  const value = Redacted.value(secret.value)
  return typeof value === "string" ? value : new TextDecoder().decode(value)
}

describe("SecretsService", () => {
  describe("rule 1: one load per key", () => {
    it.effect("concurrent gets of a key that is not cached make one store call and all get its result", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* store.setLatency("100 millis")
          // Forked one after another from this fiber: an Effect 4 child lives as long as its parent, and a concurrent
          // forEach's workers end at once. All hundred wait on the store together all the same.
          const fibers = yield* Effect.forEach(Array.from({ length: 100 }), () => Effect.forkChild(secrets.get("db")))
          yield* TestClock.adjust("100 millis")
          const values = yield* Effect.forEach(fibers, Fiber.join)
          assert.deepStrictEqual(new Set(values.map(text)), new Set(["v1"]))
          assert.strictEqual(new Set(values).size, 1, "one result, shared")
          assert.strictEqual(yield* store.fetchCount("db"), 1)
        })))

    it.effect("a thousand concurrent gets against a store that answers at once still make one store call", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          const values = yield* Effect.all(Array.from({ length: 1000 }, () => secrets.getString("db")), {
            concurrency: "unbounded"
          })
          assert.strictEqual(values.length, 1000)
          assert.strictEqual(yield* store.fetchCount("db"), 1)
          const stats = yield* secrets.stats
          assert.strictEqual(stats.loads, 1)
        })))
  })

  describe("rule 2: TTL on the monotonic clock", () => {
    it.effect("an entry is fresh while its age is below the TTL and expired at age == TTL", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* secrets.get("db")
          yield* TestClock.adjust(Duration.subtract(Duration.seconds(60), Duration.millis(1)))
          yield* secrets.get("db")
          assert.strictEqual(yield* store.fetchCount("db"), 1)
          yield* TestClock.adjust("1 millis")
          yield* secrets.get("db")
          assert.strictEqual(yield* store.fetchCount("db"), 2)
        })))

    it.effect("a wall clock stepped back does not extend the TTL (Effect's Cache, reading wall time, would)", () =>
      Effect.gen(function*() {
        const testClock = yield* TestClock.testClockWith(Effect.succeed)
        const stepBack = yield* Ref.make(0)
        // Monotonic time follows the TestClock; wall time is the TestClock minus a step an operator applied.
        const wallMillis = () => testClock.currentTimeMillisUnsafe() - Ref.getUnsafe(stepBack)
        const clock: Clock.Clock = {
          currentTimeMillisUnsafe: wallMillis,
          currentTimeMillis: Effect.sync(wallMillis),
          currentTimeNanosUnsafe: () => BigInt(wallMillis()) * 1_000_000n,
          currentTimeNanos: Effect.sync(() => BigInt(wallMillis()) * 1_000_000n),
          monotonicTimeNanosUnsafe: () => testClock.monotonicTimeNanosUnsafe(),
          monotonicTimeNanos: Effect.sync(() => testClock.monotonicTimeNanosUnsafe()),
          sleep: (duration) => testClock.sleep(duration)
        }
        const effectCacheLookups = yield* Ref.make(0)
        yield* Effect.gen(function*() {
          const secrets = yield* SecretsService
          const store = yield* TestSecretStore
          const effectCache = yield* Cache.make({
            capacity: 10,
            timeToLive: "60 seconds",
            lookup: (_: string) => Ref.update(effectCacheLookups, (n) => n + 1)
          })
          yield* secrets.get("db")
          yield* Cache.get(effectCache, "db")
          yield* testClock.adjust("30 seconds")
          yield* Ref.set(stepBack, Duration.toMillis("10 minutes"))
          yield* testClock.adjust("30 seconds")
          yield* secrets.get("db")
          yield* Cache.get(effectCache, "db")
          assert.strictEqual(yield* store.fetchCount("db"), 2, "expired after 60 s of monotonic time")
          assert.strictEqual(yield* Ref.get(effectCacheLookups), 1, "Effect's Cache still serves it")
        }).pipe(
          Effect.provide(SecretsService.layerTest({ db: "v1" }, exact)),
          Effect.provideService(Clock.Clock, clock)
        )
      }))

    it.effect("each entry's TTL is drawn in [ttl * (1 - jitter), ttl] from Effect's Random", () =>
      withCache(
        { db: "v1" },
        { timeToLive: "100 seconds", jitter: 0.2, refreshAhead: 1 },
        (secrets, store) =>
          Effect.gen(function*() {
            yield* secrets.get("db")
            // lifetime = 100 s * (1 - 0.2 * 0.5) = 90 s
            yield* TestClock.adjust(Duration.subtract(Duration.seconds(90), Duration.millis(1)))
            yield* secrets.get("db")
            assert.strictEqual(yield* store.fetchCount("db"), 1)
            yield* TestClock.adjust("1 millis")
            yield* secrets.get("db")
            assert.strictEqual(yield* store.fetchCount("db"), 2)
          })
      ).pipe(Effect.provideService(Random.Random, fixedRandom([0.5]))))
  })

  describe("rule 3: rotation", () => {
    it.effect("a value rotated upstream is served from the cache until the TTL, and the new one after it", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v1")
          yield* TestClock.adjust("10 seconds")
          yield* store.put("db", "v2")
          assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v1")
          yield* TestClock.adjust("50 seconds")
          const rotated = yield* secrets.get("db")
          assert.strictEqual(text(rotated), "v2")
          assert.deepStrictEqual(rotated.versionStages, ["AWSCURRENT"])
        })))
  })

  describe("rule 4: refresh-ahead", () => {
    it.effect("past 80% of the TTL a read returns at once and starts exactly one background refresh", () =>
      withCache(
        { db: "v1" },
        { timeToLive: "100 seconds", jitter: 0, refreshAhead: 0.8 },
        (secrets, store) =>
          Effect.gen(function*() {
            yield* secrets.get("db")
            yield* store.setLatency("1 second")
            yield* store.put("db", "v2")
            yield* TestClock.adjust("79 seconds")
            yield* secrets.get("db")
            assert.strictEqual(yield* store.fetchCount("db"), 1, "no refresh before 80%")
            yield* TestClock.adjust("1 second")
            // Ten reads past 80%: each answers at once, without the TestClock moving, with the cached value.
            for (let i = 0; i < 10; i++) {
              const fiber = yield* Effect.forkChild(secrets.getString("db"))
              yield* Effect.yieldNow
              const exit = fiber.pollUnsafe()
              assert.isTrue(exit !== undefined && Exit.isSuccess(exit), "answered without waiting on the store")
              assert.strictEqual(Redacted.value(yield* Fiber.join(fiber)), "v1")
            }
            assert.strictEqual(yield* store.fetchCount("db"), 2, "one background refresh")
            yield* TestClock.adjust("1 second")
            assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v2")
            // At the old entry's TTL (t = 100 s) nothing waits: the refreshed entry is fresh.
            yield* TestClock.adjust("19 seconds")
            const atBoundary = yield* Effect.forkChild(secrets.getString("db"))
            yield* Effect.yieldNow
            assert.isDefined(atBoundary.pollUnsafe())
            const stats = yield* secrets.stats
            assert.strictEqual(stats.backgroundRefreshes, 1)
            assert.strictEqual(stats.misses, 1)
          })
      ))
  })

  describe("rule 4b: start-up spread", () => {
    it.effect("a cold entry's refresh-ahead point is drawn in [0, refreshAhead) of its TTL; a refreshed one's is not", () =>
      withCache(
        { db: "v1" },
        { timeToLive: "100 seconds", jitter: 0.1, refreshAhead: 0.8 },
        (secrets, store) =>
          Effect.gen(function*() {
            yield* secrets.get("db") // draws 0 (lifetime 100 s) and 0.5: refresh-ahead from 100 * 0.8 * 0.5 = 40 s
            yield* TestClock.adjust("39 seconds")
            yield* secrets.get("db")
            assert.strictEqual(yield* store.fetchCount("db"), 1, "not before its drawn point")
            yield* TestClock.adjust("1 second")
            yield* secrets.get("db") // starts the refresh; it replaces a value, so it draws its TTL only (0: 100 s)
            yield* Effect.yieldNow
            assert.strictEqual(yield* store.fetchCount("db"), 2, "one background refresh at 40 s")
            yield* TestClock.adjust("79 seconds")
            yield* secrets.get("db")
            assert.strictEqual(yield* store.fetchCount("db"), 2, "the refreshed entry waits its full 80 s")
            yield* TestClock.adjust("1 second")
            yield* secrets.get("db")
            yield* Effect.yieldNow
            assert.strictEqual(yield* store.fetchCount("db"), 3)
          })
      ).pipe(Effect.provideService(Random.Random, fixedRandom([0, 0.5]))))
  })

  describe("rule 5: failure backoff", () => {
    it.effect("a failure is shared inside its backoff window, doubling per consecutive failure up to max", () =>
      withCache(
        { db: "v1" },
        { ...exact, failureBackoff: { base: "1 second", max: "4 seconds" } },
        (secrets, store) =>
          Effect.gen(function*() {
            yield* store.failNext("db", "unavailable", 5)
            const expectCalls = (n: number) =>
              Effect.gen(function*() {
                const error = yield* Effect.flip(secrets.get("db"))
                assert.strictEqual(error._tag, "SecretsUnavailable")
                assert.strictEqual(yield* store.fetchCount("db"), n)
              })
            yield* expectCalls(1) // backoff 1 s
            yield* expectCalls(1)
            yield* TestClock.adjust("1 second")
            yield* expectCalls(2) // backoff 2 s
            yield* TestClock.adjust("1 second")
            yield* expectCalls(2)
            yield* TestClock.adjust("1 second")
            yield* expectCalls(3) // backoff 4 s
            yield* TestClock.adjust("3 seconds")
            yield* expectCalls(3)
            yield* TestClock.adjust("1 second")
            yield* expectCalls(4) // backoff min(8 s, 4 s) = 4 s
            yield* TestClock.adjust("4 seconds")
            yield* expectCalls(5)
            yield* TestClock.adjust("4 seconds")
            assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v1", "then the next read loads")
            assert.strictEqual((yield* secrets.stats).loadFailures, 5)
          })
      ))

    it.effect("a failed refresh never overwrites a good value", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* secrets.get("db")
          yield* store.failNext("db", "throttled")
          const error = yield* Effect.flip(secrets.refresh("db"))
          assert.strictEqual(error._tag, "SecretsUnavailable")
          assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v1")
          assert.strictEqual(yield* store.fetchCount("db"), 2)
        })))
  })

  describe("rule 6: stale-if-error", () => {
    it.effect("a transient failure is answered with the previous value until TTL + maxStale, then the error", () =>
      withCache(
        { db: "v1" },
        { ...exact, maxStale: "120 seconds", failureBackoff: { base: "1 second", max: "1 second" } },
        (secrets, store) =>
          Effect.gen(function*() {
            yield* secrets.get("db")
            yield* store.failNext("db", "throttled", 1000)
            yield* TestClock.adjust("60 seconds")
            assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v1")
            yield* TestClock.adjust("119 seconds")
            assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v1")
            const stats = yield* secrets.stats
            assert.strictEqual(stats.staleReads, 2)
            yield* TestClock.adjust("1 second")
            const error = yield* Effect.flip(secrets.getString("db"))
            assert.strictEqual(error._tag, "SecretsUnavailable")
          })
      ))

    it.effect("maxStale 0 turns it off", () =>
      withCache({ db: "v1" }, { ...exact, maxStale: 0 }, (secrets, store) =>
        Effect.gen(function*() {
          yield* secrets.get("db")
          yield* store.failNext("db", "unavailable")
          yield* TestClock.adjust("60 seconds")
          assert.strictEqual((yield* Effect.flip(secrets.get("db")))._tag, "SecretsUnavailable")
        })))
  })

  describe("rule 7: revocation evicts at once", () => {
    it.effect("a deleted secret is never served stale", () =>
      withCache({ db: "v1" }, { ...exact, maxStale: "1 hour" }, (secrets, store) =>
        Effect.gen(function*() {
          yield* secrets.get("db")
          yield* store.remove("db")
          yield* TestClock.adjust("60 seconds")
          assert.strictEqual((yield* Effect.flip(secrets.get("db")))._tag, "SecretNotFound")
          assert.strictEqual((yield* secrets.stats).size, 0)
        })))

    it.effect("access denied on a background refresh drops the value before its TTL", () =>
      withCache(
        { db: "v1" },
        { timeToLive: "100 seconds", jitter: 0, refreshAhead: 0.8, maxStale: "1 hour" },
        (secrets, store) =>
          Effect.gen(function*() {
            yield* secrets.get("db")
            yield* store.failNext("db", "accessDenied")
            yield* TestClock.adjust("80 seconds")
            yield* secrets.get("db") // starts the refresh, which is denied
            yield* Effect.yieldNow
            assert.strictEqual(yield* store.fetchCount("db"), 2)
            assert.strictEqual((yield* Effect.flip(secrets.get("db")))._tag, "SecretAccessDenied")
          })
      ))
  })

  describe("rule 8: interruption", () => {
    it.effect("interrupting one caller does not interrupt the others waiting on the same load", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* store.setLatency("10 seconds")
          // The first caller starts the load; the others wait on it. Interrupt the first and the last.
          const callers = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(secrets.getString("db")))
          yield* TestClock.adjust("1 second")
          yield* Fiber.interrupt(callers[0]!)
          yield* Fiber.interrupt(callers[2]!)
          yield* TestClock.adjust("9 seconds")
          assert.strictEqual(Redacted.value(yield* Fiber.join(callers[1]!)), "v1")
          assert.strictEqual(yield* store.fetchCount("db"), 1)
        })))

    it.effect("an interrupted only caller leaves the key unstuck: the load completes and is cached", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* store.setLatency("10 seconds")
          const only = yield* Effect.forkChild(secrets.get("db"))
          yield* TestClock.adjust("1 second")
          yield* Fiber.interrupt(only)
          const later = yield* Effect.forkChild(secrets.getString("db"))
          yield* TestClock.adjust("9 seconds")
          assert.strictEqual(Redacted.value(yield* Fiber.join(later)), "v1")
          yield* secrets.get("db")
          assert.strictEqual(yield* store.fetchCount("db"), 1)
        })))

    // Effect 3's Cache interrupted every waiter with the first; Effect 4's counts its waiters. What still differs: it
    // abandons a lookup whose last waiter is interrupted, where this service finishes the load and caches it.
    it.effect("with Effect 4's Cache alone, interrupting one waiter spares the others, but its only waiter's abandons the lookup", () =>
      Effect.gen(function*() {
        let lookups = 0
        const cache = yield* Cache.make({
          capacity: 10,
          timeToLive: "1 minute",
          lookup: (_: string) =>
            Effect.as(Effect.andThen(Effect.sync(() => lookups++), Effect.sleep("10 seconds")), "v1")
        })
        const first = yield* Effect.forkChild(Cache.get(cache, "db"))
        yield* Effect.yieldNow
        const second = yield* Effect.forkChild(Cache.get(cache, "db"))
        yield* TestClock.adjust("1 second")
        yield* Fiber.interrupt(first)
        yield* TestClock.adjust("9 seconds")
        assert.strictEqual(yield* Fiber.join(second), "v1", "the other waiter gets the value")
        const only = yield* Effect.forkChild(Cache.get(cache, "other"))
        yield* TestClock.adjust("1 second")
        yield* Fiber.interrupt(only)
        const later = yield* Effect.forkChild(Cache.get(cache, "other"))
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.join(later)
        assert.strictEqual(lookups, 3, "the abandoned lookup of \"other\" was made again")
      }))

    it.effect("closing the layer's scope stops loads and background refreshes", () =>
      Effect.gen(function*() {
        const stopped = yield* Ref.make(0)
        const slowStore = Layer.succeed(SecretStore, {
          fetch: (request) =>
            Effect.sleep("10 seconds").pipe(
              Effect.as({
                secretId: request.secretId,
                name: request.secretId,
                arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${request.secretId}-AbCdEf`,
                versionId: "00000000-0000-4000-8000-000000000001",
                versionStages: ["AWSCURRENT"],
                kind: "string" as const,
                value: Redacted.make("v1")
              }),
              Effect.onInterrupt(() => Ref.update(stopped, (n) => n + 1))
            )
        })
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(SecretsService.layer(exact).pipe(Layer.provide(slowStore)), scope)
        const secrets = Context.get(context, SecretsService)
        const waiting = yield* Effect.forkChild(secrets.get("db"))
        yield* TestClock.adjust("1 second")
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual(yield* Ref.get(stopped), 1, "the load in flight was interrupted")
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(waiting)))
      }))
  })

  describe("rule 9: generations", () => {
    it.effect("after invalidate, an older load in flight never overwrites the newer value", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* store.setLatency("10 seconds")
          const older = yield* Effect.forkChild(secrets.getString("db")) // reads v1, answers at t = 10 s
          yield* TestClock.adjust("1 second")
          yield* store.put("db", "v2")
          yield* secrets.invalidate("db")
          yield* store.setLatency("1 second")
          const newer = yield* Effect.forkChild(secrets.getString("db")) // reads v2, answers at t = 2 s
          yield* TestClock.adjust("1 second")
          assert.strictEqual(Redacted.value(yield* Fiber.join(newer)), "v2")
          yield* TestClock.adjust("8 seconds")
          assert.strictEqual(Redacted.value(yield* Fiber.join(older)), "v1", "the older caller gets its own answer")
          assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v2", "but the cache keeps the newer")
          assert.strictEqual(yield* store.fetchCount("db"), 2)
        })))

    it.effect("a refresh after invalidate wins over an older load still in flight", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* store.setLatency("10 seconds")
          const older = yield* Effect.forkChild(secrets.get("db"))
          yield* TestClock.adjust("1 second")
          yield* store.put("db", "v2")
          yield* secrets.invalidate("db")
          yield* store.setLatency("1 second")
          const refreshed = yield* Effect.forkChild(secrets.refresh("db"))
          yield* TestClock.adjust("1 second")
          assert.strictEqual(text(yield* Fiber.join(refreshed)), "v2")
          yield* TestClock.adjust("8 seconds")
          yield* Fiber.join(older)
          assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v2")
        })))

    it.effect("refresh joins a load already in flight instead of making a second call", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* store.setLatency("1 second")
          const reading = yield* Effect.forkChild(secrets.get("db"))
          const refreshing = yield* Effect.forkChild(secrets.refresh("db"))
          yield* TestClock.adjust("1 second")
          yield* Fiber.join(reading)
          yield* Fiber.join(refreshing)
          assert.strictEqual(yield* store.fetchCount("db"), 1)
        })))

    it.effect("refresh loads now even when the entry is fresh, and replaces it", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* secrets.get("db")
          yield* store.put("db", "v2")
          assert.strictEqual(text(yield* secrets.refresh("db")), "v2")
          assert.strictEqual(Redacted.value(yield* secrets.getString("db")), "v2")
          assert.strictEqual(yield* store.fetchCount("db"), 2)
        })))
  })

  describe("rule 10: least recently used eviction", () => {
    it.effect("after gets of a, b, a, c with capacity 2, a is still cached and b is not", () =>
      withCache({ a: "A", b: "B", c: "C" }, { ...exact, capacity: 2 }, (secrets, store) =>
        Effect.gen(function*() {
          for (const id of ["a", "b", "a", "c", "a"]) yield* secrets.get(id)
          assert.strictEqual(yield* store.fetchCount("a"), 1)
          yield* secrets.get("b")
          assert.strictEqual(yield* store.fetchCount("b"), 2)
          const stats = yield* secrets.stats
          assert.strictEqual(stats.size, 2)
          assert.strictEqual(stats.evictions, 2)
        })))

    // Effect 3's Cache evicted a here (its LRU order ignored hits); Effect 4's keeps it, as this service does.
    it.effect("Effect 4's Cache, like this service, keeps a in the same sequence", () =>
      Effect.gen(function*() {
        const lookups: Array<string> = []
        const cache = yield* Cache.make({
          capacity: 2,
          timeToLive: "1 minute",
          lookup: (id: string) => Effect.sync(() => lookups.push(id))
        })
        for (const id of ["a", "b", "a", "c", "a"]) yield* Cache.get(cache, id)
        assert.deepStrictEqual(lookups, ["a", "b", "c"])
      }))
  })

  describe("rule 11: version selectors are part of the key", () => {
    it.effect("AWSCURRENT and AWSPREVIOUS of one secret are separate entries, and so is a version id", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          const firstVersion = (yield* secrets.get("db")).versionId
          yield* store.put("db", "v2")
          yield* secrets.invalidate("db")
          const current = yield* secrets.get("db")
          const previous = yield* secrets.get("db", { versionStage: "AWSPREVIOUS" })
          const byId = yield* secrets.get("db", { versionId: firstVersion })
          assert.strictEqual(text(current), "v2")
          assert.strictEqual(text(previous), "v1")
          assert.strictEqual(text(byId), "v1")
          assert.deepStrictEqual(previous.versionStages, ["AWSPREVIOUS"])
          yield* secrets.get("db")
          yield* secrets.get("db", { versionStage: "AWSPREVIOUS" })
          yield* secrets.get("db", { versionId: firstVersion })
          assert.strictEqual(yield* store.fetchCount("db"), 4)
        })))
  })

  describe("rule 12: secret ids are validated before any store call", () => {
    const bad: ReadonlyArray<readonly [string, Record<string, string>?]> = [
      [""],
      ["x".repeat(2049)],
      ["my secret"],
      ["db;drop"],
      ["arn:aws:secretsmanager:us-east-1:123:secret:x"],
      ["db", { versionStage: "" }],
      ["db", { versionId: "short" }]
    ]
    it.effect("a bad id, stage or version id fails with InvalidSecretId and makes no store call", () =>
      withCache({ db: "v1" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          for (const [id, options] of bad) {
            const error = yield* Effect.flip(secrets.get(id, options))
            assert.strictEqual(error._tag, "InvalidSecretId", JSON.stringify(id.slice(0, 20)))
          }
          assert.strictEqual(yield* store.fetchCount(), 0)
        })))

    it.effect("names at the limits, and full ARNs, are accepted", () =>
      withCache({}, exact, (secrets, store) =>
        Effect.gen(function*() {
          const longest = "p".repeat(2048)
          const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
          for (const id of [longest, "prod/app_1+=.@-x", arn]) {
            yield* store.put(id, "value")
            assert.strictEqual(text(yield* secrets.get(id)), "value")
          }
        })))
  })

  describe("typed reads", () => {
    it.effect("getBinary returns the bytes; getString of a binary secret is a decode error, and the reverse", () =>
      withCache({ key: new Uint8Array([1, 2, 3]), db: "text" }, exact, (secrets) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(Array.from(Redacted.value(yield* secrets.getBinary("key"))), [1, 2, 3])
          assert.strictEqual((yield* Effect.flip(secrets.getString("key")))._tag, "SecretDecodeError")
          assert.strictEqual((yield* Effect.flip(secrets.getBinary("db")))._tag, "SecretDecodeError")
        })))

    it.effect("a missing secret fails with SecretNotFound and is remembered for the backoff", () =>
      withCache({}, exact, (secrets, store) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* Effect.flip(secrets.get("nope")))._tag, "SecretNotFound")
          assert.strictEqual((yield* Effect.flip(secrets.get("nope")))._tag, "SecretNotFound")
          assert.strictEqual(yield* store.fetchCount("nope"), 1)
        })))

    it.effect("invalidateAll drops every entry", () =>
      withCache({ a: "A", b: "B" }, exact, (secrets, store) =>
        Effect.gen(function*() {
          yield* secrets.get("a")
          yield* secrets.get("b")
          yield* secrets.invalidateAll
          assert.strictEqual((yield* secrets.stats).size, 0)
          yield* secrets.get("a")
          assert.strictEqual(yield* store.fetchCount("a"), 2)
        })))
  })
})
