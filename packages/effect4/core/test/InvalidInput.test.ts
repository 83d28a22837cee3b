// Bad input from JavaScript callers, untyped JSON and the environment: every case is a typed error that names what
// is wrong, never a TypeError or a RangeError from deep inside, and never a store call.
import { InvalidSecretsOptions, SecretsOptions, SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer, Option, Result, Schema, Stream } from "effect"

const withCache = <A, E>(
  body: (secrets: SecretsService.Service, store: TestSecretStore.Service) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    return yield* body(yield* SecretsService, yield* TestSecretStore)
  }).pipe(Effect.provide(SecretsService.layerTest({ a: "value-a" })))

// SecretsOptions.config read from these variables, as from the environment.
const readOptions = (env: Record<string, string>) =>
  SecretsOptions.config.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))

const badIds: ReadonlyArray<readonly [string, unknown, unknown]> = [
  ["null", null, undefined],
  ["undefined", undefined, undefined],
  ["an object without a prototype", Object.create(null), undefined],
  ["a number", 5, undefined],
  ["an array", ["a"], undefined],
  ["a null selector", "a", null],
  ["a string selector", "a", "AWSCURRENT"],
  ["a selector with a numeric stage", "a", { versionStage: 5 }],
  ["a selector with an object versionId", "a", { versionId: Object.create(null) }]
]

describe("bad input", () => {
  it.effect("ids and selectors of the wrong type fail with InvalidSecretId on every read, with no store call", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        yield* secrets.get("a") // a cached "a" must not answer a malformed read of "a"
        for (const [what, id, selector] of badIds) {
          const reads = [
            secrets.get(id as string, selector as never),
            secrets.getString(id as string, selector as never),
            secrets.getBinary(id as string, selector as never),
            secrets.getJson(id as string, Schema.Unknown, selector as never),
            secrets.refresh(id as string, selector as never)
          ]
          for (const read of reads) {
            const exit = yield* Effect.exit(read)
            assert.isTrue(Exit.isFailure(exit), what)
            if (Exit.isFailure(exit)) {
              const error = Cause.findErrorOption(exit.cause)
              assert.strictEqual(
                Option.isSome(error) ? error.value._tag : Cause.pretty(exit.cause),
                "InvalidSecretId",
                what
              )
            }
          }
          if (selector === undefined) {
            const [prefetched] = yield* secrets.prefetch([id as string])
            assert.strictEqual(Result.flip(prefetched!).pipe(Result.getOrThrow)._tag, "InvalidSecretId", what)
          }
          yield* secrets.invalidate(id as string, selector as never)
          assert.strictEqual(
            Array.from(yield* Stream.runCollect(secrets.changes(id as string, selector as never))).length,
            0
          )
        }
        assert.strictEqual(yield* store.fetchCount(), 1, "only the first read of a")
      })
    ))

  it.effect("the error shows a non-string id by its type only", () =>
    withCache((secrets) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(secrets.get(Object.create(null) as string))
        assert.include(error.message, "<object>")
      })
    ))

  it.effect("a version id that does not exist is named in the error", () =>
    withCache((secrets) =>
      Effect.gen(function*() {
        const versionId = "0123456789abcdef0123456789abcdef"
        const error = yield* Effect.flip(secrets.get("a", { versionId }))
        assert.strictEqual(error._tag, "SecretNotFound")
        assert.include(error.message, versionId)
        const staged = yield* Effect.flip(secrets.get("a", { versionStage: "AWSPENDING" }))
        assert.include(staged.message, "AWSPENDING")
      })
    ))

  it("durations that overflow or are of the wrong type are InvalidSecretsOptions naming the option", () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ failureBackoff: { base: 1e303, max: 10n ** 400n } }, "failureBackoff.base"],
      [{ failureBackoff: { base: 10n, max: 1e303 } }, "failureBackoff.max"],
      [{ failureBackoff: { base: "1 second", max: "1e20 weeks" } }, "failureBackoff.max"],
      [{ failureBackoff: null }, "failureBackoff"],
      [{ failureBackoff: "1 second" }, "failureBackoff"],
      [{ timeToLive: 1e303 }, "timeToLive"],
      [{ timeToLive: "5 sec" }, "timeToLive"],
      [{ maxStale: 10n ** 40n }, "maxStale"],
      [{ maxStale: Number.NaN }, "maxStale"],
      [{ capacity: "5" }, "capacity"],
      [{ jitter: "0.1" }, "jitter"],
      [{ refreshAhead: "0.8" }, "refreshAhead"]
    ]
    for (const [options, option] of cases) {
      const result = SecretsOptions.resolve(options as SecretsOptions)
      assert.isTrue(Result.isFailure(result), String(option))
      if (Result.isFailure(result)) {
        assert.instanceOf(result.failure, InvalidSecretsOptions)
        assert.strictEqual(result.failure.option, option)
      }
    }
  })

  it.effect("the layer dies with InvalidSecretsOptions, not a RangeError, on an overflowing backoff", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Layer.build(SecretsService.layerTest({}, { failureBackoff: { base: 1e303, max: 10n ** 400n } }))
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.instanceOf(Cause.squash(exit.cause), InvalidSecretsOptions)
    }).pipe(Effect.scoped))

  it.effect("a bad SECRETS_CACHE_* value is reported at the variable's path, naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(readOptions({ SECRETS_CACHE_TIME_TO_LIVE: "-5 seconds" }))
      assert.include(String(error), "SECRETS_CACHE_TIME_TO_LIVE")
      // Effect 4's Schema formatter writes a path as `at ["KEY"]`.
      assert.include(String(error), `at ["SECRETS_CACHE_TIME_TO_LIVE"]`)
    }))
})

describe("bad input, found in review", () => {
  it.effect("getJson without a schema, prefetch of a non-list and withSecret without options die with a plain message", () =>
    withCache((secrets) =>
      Effect.gen(function*() {
        const defects = [
          secrets.getJson("a", null as never),
          secrets.prefetch(null as never),
          secrets.withSecret("a", () => Effect.fail("auth"), undefined as never)
        ]
        for (const effect of defects) {
          const exit = yield* Effect.exit(effect as Effect.Effect<unknown, unknown>)
          assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
          if (Exit.isFailure(exit)) assert.notInclude(Cause.pretty(exit.cause), "TypeError")
        }
      })
    ))

  it.effect("withSecret checks its durations before the first read, NaN included", () =>
    withCache((secrets, store) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(
          secrets.withSecret("a", () => Effect.succeed("ok"), {
            isAuthFailure: () => true,
            minRefreshInterval: Number.NaN
          })
        )
        assert.isTrue(Exit.isFailure(exit) && String(Cause.squash(exit.cause)).includes("minRefreshInterval"))
        assert.strictEqual(yield* store.fetchCount(), 0, "no read with a bad option")
      })
    ))

  it.effect("a negative SECRETS_CACHE_MAX_STALE is named, not read as zero", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(readOptions({ SECRETS_CACHE_MAX_STALE: "-5 minutes" }))
      assert.include(String(error), "SECRETS_CACHE_MAX_STALE")
    }))
})
