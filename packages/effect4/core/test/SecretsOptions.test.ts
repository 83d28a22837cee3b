import {
  InvalidSecretsOptions,
  SecretsOptions,
  SecretsService,
  SecretStore,
  TestSecretStore
} from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Duration, Effect, Exit, Layer, Result } from "effect"
import { TestClock } from "effect/testing"

// The environment a deployment would set, read the way the default provider reads process.env.
const environment = (env: Record<string, string>) => ConfigProvider.fromEnv({ env })

describe("SecretsOptions", () => {
  it("fills in the documented defaults", () => {
    const resolved = Result.getOrThrow(SecretsOptions.resolve())
    assert.strictEqual(Duration.toMillis(resolved.timeToLive), 5 * 60_000)
    assert.strictEqual(resolved.capacity, 1024)
    assert.strictEqual(resolved.refreshAhead, 0.95)
    assert.strictEqual(Duration.toMillis(resolved.maxStale), 15 * 60_000)
    assert.strictEqual(resolved.jitter, 0.05)
    assert.strictEqual(Duration.toMillis(resolved.failureBackoff.base), 1000)
    assert.strictEqual(Duration.toMillis(resolved.failureBackoff.max), 60_000)
  })

  it("rejects options that break a rule, naming the option", () => {
    const cases: Array<readonly [SecretsOptions, string]> = [
      [{ timeToLive: 0 }, "timeToLive"],
      [{ timeToLive: Duration.infinity }, "timeToLive"],
      [{ capacity: 0 }, "capacity"],
      [{ capacity: 1.5 }, "capacity"],
      [{ refreshAhead: 0 }, "refreshAhead"],
      [{ refreshAhead: 1.2 }, "refreshAhead"],
      [{ jitter: 1 }, "jitter"],
      [{ jitter: -0.1 }, "jitter"],
      [{ failureBackoff: { base: "10 seconds", max: "1 second" } }, "failureBackoff.max"]
    ]
    for (const [options, option] of cases) {
      const result = SecretsOptions.resolve(options)
      assert.isTrue(Result.isFailure(result), JSON.stringify(options))
      if (Result.isFailure(result)) assert.strictEqual(result.failure.option, option)
    }
  })

  it.effect("the layer dies with InvalidSecretsOptions on bad options", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.provide(SecretsService, SecretsService.layerTest({}, { jitter: 3 }))
      )
      assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      if (Exit.isFailure(exit)) {
        const defect = Cause.findDefect(exit.cause)
        assert.isTrue(Result.isSuccess(defect))
        if (Result.isSuccess(defect)) assert.instanceOf(defect.success, InvalidSecretsOptions)
      }
    }))

  it.effect("layerConfig reads SECRETS_CACHE_* from the ConfigProvider and applies it", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      yield* secrets.get("db")
      yield* TestClock.adjust("9 seconds")
      yield* secrets.get("db")
      assert.strictEqual(yield* store.fetchCount("db"), 1)
      yield* TestClock.adjust("1 second")
      yield* secrets.get("db")
      assert.strictEqual(yield* store.fetchCount("db"), 2)
    }).pipe(
      Effect.provide(
        SecretsService.layerConfig().pipe(Layer.provideMerge(TestSecretStore.layer({ db: "v1" })))
      ),
      Effect.provideService(
        ConfigProvider.ConfigProvider,
        environment({
          SECRETS_CACHE_TIME_TO_LIVE: "10 seconds",
          SECRETS_CACHE_JITTER: "0",
          SECRETS_CACHE_REFRESH_AHEAD: "1"
        })
      )
    ))

  it.effect("layerConfig fails with a ConfigError naming the variable when a value breaks a rule", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(
          SecretsService,
          SecretsService.layerConfig().pipe(Layer.provide(TestSecretStore.layer()))
        )
      )
      assert.match(String(error), /SECRETS_CACHE/)
      assert.match(String(error), /refreshAhead/)
    }).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, environment({ SECRETS_CACHE_REFRESH_AHEAD: "2" }))
    ))

  it.effect("a SecretStore of your own plugs into SecretsService.layer", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const value = yield* secrets.get("any")
      assert.strictEqual(value.name, "any")
    }).pipe(
      Effect.provide(
        SecretsService.layer().pipe(
          Layer.provide(Layer.effect(SecretStore, Effect.map(TestSecretStore, (store) => store))),
          Layer.provide(TestSecretStore.layer({ any: "value" }))
        )
      )
    ))
})
