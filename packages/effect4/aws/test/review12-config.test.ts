// Review 12: a variable that is set but empty. Effect 4's own providers read `X=` as unset unless they are made with
// `preserveEmptyStrings: true` (Effect 3's read it as an empty value), so the store's variables follow the provider:
// an empty value the provider keeps is a mistake named by its variable, never a silent default; one it drops is unset.
import { AgentSecretStore, AwsSecretStore } from "@effect-secrets/aws"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer, Result } from "effect"

const fromEnv = (env: Record<string, string>, preserveEmptyStrings: boolean) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env, preserveEmptyStrings }))

const storeVariables = [
  "SECRETS_STORE_TIMEOUT",
  "SECRETS_STORE_MAX_ATTEMPTS",
  "SECRETS_STORE_RETRY_BASE",
  "SECRETS_STORE_RETRY_MAX",
  "SECRETS_STORE_RETRY_BUDGET",
  "SECRETS_STORE_BATCH"
]

describe("review12 config: empty variables", () => {
  it.effect("an empty SECRETS_STORE_* variable the provider keeps fails naming it, and the layer does not build", () =>
    Effect.gen(function*() {
      const accepted: Array<string> = []
      for (const name of storeVariables) {
        const read = yield* Effect.result(AwsSecretStore.config.pipe(fromEnv({ [name]: "" }, true)))
        if (Result.isSuccess(read)) accepted.push(`${name}= read as ${JSON.stringify(read.success)}`)
        else assert.include(String(read.failure), name)
        const layer = yield* Effect.exit(Layer.build(AwsSecretStore.layerConfig()).pipe(fromEnv({ [name]: "" }, true)))
        if (Exit.isSuccess(layer)) accepted.push(`${name}= builds AwsSecretStore.layerConfig()`)
      }
      assert.deepStrictEqual(accepted, [])
    }).pipe(Effect.scoped))

  it.effect("an empty SECRETS_STORE_* variable Effect 4's default provider drops reads as unset", () =>
    Effect.gen(function*() {
      const unset = yield* AwsSecretStore.config.pipe(fromEnv({}, false))
      for (const name of storeVariables) {
        assert.deepStrictEqual(yield* AwsSecretStore.config.pipe(fromEnv({ [name]: "" }, false)), unset, name)
      }
    }))

  it.effect("an empty SECRETS_AGENT_ENDPOINT the provider keeps fails naming it; dropped, it is unset", () =>
    Effect.gen(function*() {
      const read = yield* Effect.result(AgentSecretStore.config.pipe(fromEnv({ SECRETS_AGENT_ENDPOINT: "" }, true)))
      assert.isTrue(Result.isFailure(read), `read as ${Result.isSuccess(read) ? JSON.stringify(read.success) : ""}`)
      assert.include(Result.isFailure(read) ? String(read.failure) : "", "SECRETS_AGENT_ENDPOINT")
      const unset = yield* AgentSecretStore.config.pipe(fromEnv({}, false))
      assert.deepStrictEqual(yield* AgentSecretStore.config.pipe(fromEnv({ SECRETS_AGENT_ENDPOINT: "" }, false)), unset)
    }))
})
