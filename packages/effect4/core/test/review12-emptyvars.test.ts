// An empty SECRETS_CACHE_* variable follows the provider, as the store's do: Effect 4's own providers read `X=` as
// unset unless made with `preserveEmptyStrings: true`; an empty value the provider keeps fails naming the variable.
import { SecretsOptions } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Result } from "effect"

const fromEnv = (env: Record<string, string>, preserveEmptyStrings: boolean) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env, preserveEmptyStrings }))

describe("SECRETS_CACHE_* set but empty", () => {
  it.effect("kept by the provider, it fails naming the variable; dropped by it, it reads as unset", () =>
    Effect.gen(function*() {
      const unset = yield* SecretsOptions.config.pipe(fromEnv({}, false))
      for (const name of ["SECRETS_CACHE_TIME_TO_LIVE", "SECRETS_CACHE_CAPACITY", "SECRETS_CACHE_REFRESH_AHEAD"]) {
        const kept = yield* Effect.result(SecretsOptions.config.pipe(fromEnv({ [name]: "" }, true)))
        assert.isTrue(Result.isFailure(kept), name)
        assert.include(Result.isFailure(kept) ? String(kept.failure) : "", name)
        assert.deepStrictEqual(yield* SecretsOptions.config.pipe(fromEnv({ [name]: "" }, false)), unset, name)
      }
    }))
})
