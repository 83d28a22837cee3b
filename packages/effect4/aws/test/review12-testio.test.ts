// Review 12: TestIo.finish lets a loopback answer land before it jumps the TestClock to a read's timeout, every time
// (a fresh SDK client each round: connection set-up and the SDK's first-call work included).
import { AwsSecretStore } from "@effect-secrets/aws"
import { SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Effect, Exit, Layer, Redacted } from "effect"

describe("review12 TestIo", () => {
  it.effect(
    "a fresh store's first read (default 5 s timeout) is answered, not timed out, 40 rounds in a row",
    () =>
      Effect.gen(function*() {
        const local = yield* Layer.build(LocalSecretsManager.layer({ secrets: { db: "value-db" } })).pipe(
          Effect.map(Context.get(LocalSecretsManager))
        )
        const failures: Array<string> = []
        for (let round = 0; round < 40; round++) {
          const outcome = yield* Effect.scoped(Effect.gen(function*() {
            const store = yield* AwsSecretStore.layer({ clientConfig: local.clientConfig, retry: { maxAttempts: 1 } })
              .pipe(
                Layer.build,
                Effect.map(Context.get(SecretStore))
              )
            return yield* TestIo.finish(yield* Effect.forkChild(Effect.exit(store.fetch({ secretId: "db" }))))
          }))
          if (Exit.isFailure(outcome)) failures.push(`round ${round} at ${yield* Clock.currentTimeMillis} ms`)
          else assert.strictEqual(Redacted.value<string | Uint8Array>(outcome.value.value), "value-db")
        }
        assert.deepStrictEqual(failures, [])
      }).pipe(Effect.scoped, TestIo.withRecording),
    { timeout: 60_000 }
  )
})
