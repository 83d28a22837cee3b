// Review 12: the agent store over Effect 4's HttpClient, against the local agent route.
import { AgentSecretStore } from "@effect-secrets/aws"
import { SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Exit, Layer, Redacted } from "effect"

const token = "ssrf-TOKEN-r12"

const storeOver = (url: string) =>
  AgentSecretStore.layerFetch({
    endpoint: url,
    token: Redacted.make(token),
    retry: { maxAttempts: 1 },
    timeout: "1 hour"
  })
    .pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))),
      Layer.build,
      Effect.map(Context.get(SecretStore))
    )

describe("review12 agent", () => {
  it.effect("names with + = @ / . _ - reach the agent route as written, each its own value", () =>
    Effect.gen(function*() {
      const names = ["a+b", "a b", "x=y@z/w.v_u-t", "p%2Bq", "p+q"]
      const secrets = Object.fromEntries(
        names.filter((n) => !n.includes(" ") && !n.includes("%")).map((n) => [n, `value-of-${n}`])
      )
      const local = yield* Layer.build(LocalSecretsManager.layer({ secrets, agentToken: token })).pipe(
        Effect.map(Context.get(LocalSecretsManager))
      )
      const store = yield* storeOver(local.url)
      for (const name of Object.keys(secrets)) {
        const fiber = yield* Effect.forkChild(store.fetch({ secretId: name }))
        const value = yield* TestIo.finish(fiber)
        assert.strictEqual(Redacted.value<string | Uint8Array>(value.value), `value-of-${name}`, name)
        assert.strictEqual(value.secretId, name)
      }
      const missing = yield* TestIo.finish(yield* Effect.forkChild(Effect.exit(store.fetch({ secretId: "p%2Bq" }))))
      assert.isTrue(Exit.isFailure(missing))
    }).pipe(Effect.scoped, TestIo.withRecording))
})
