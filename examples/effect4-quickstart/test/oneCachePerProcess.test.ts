// The README's headline snippet: a ManagedRuntime built once serves every request from one cache, while providing
// the layer inside each request builds a new, empty cache each time. Real SDK, real HTTP, the local endpoint.
import { AwsSecrets } from "@effect-secrets/aws"
import { SecretsService } from "@effect-secrets/core"
import { LocalSecretsManager } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Effect, ManagedRuntime } from "effect"

const handler = Effect.gen(function*() {
  const secrets = yield* SecretsService
  return yield* secrets.getString("prod/api-key")
})

describe("one cache per process", () => {
  it.live("three requests through one ManagedRuntime make one API call; a layer per request makes three", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const live = AwsSecrets.layer({ timeToLive: "5 minutes", clientConfig: local.clientConfig })

      const runtime = ManagedRuntime.make(live)
      yield* Effect.promise(async () => {
        for (let i = 0; i < 3; i++) await runtime.runPromise(handler)
        await runtime.dispose()
      })
      assert.strictEqual(yield* local.calls("GetSecretValue"), 1)

      yield* Effect.promise(async () => {
        for (let i = 0; i < 3; i++) await Effect.runPromise(handler.pipe(Effect.provide(live)))
      })
      assert.strictEqual(yield* local.calls("GetSecretValue"), 4, "one more call per request")
    }).pipe(Effect.provide(LocalSecretsManager.layer({ secrets: { "prod/api-key": "key-v1" } }))))
})
