// TestIo.finish must let a loopback answer land before it jumps the TestClock to the read's timeout. A large answer
// (the largest batch: 20 values of 65,536 characters, about 1.3 MB) takes many event-loop turns to be written, read
// and parsed: with a fixed few turns before each jump, finish jumped to the 5 s attempt timeout (found on the Effect 4
// line's review; this line failed it too).
import { AwsSecretStore } from "@effect-secrets/aws"
import { SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Effect, Exit, Layer } from "effect"

const ids = Array.from({ length: 20 }, (_, i) => `big-${i}`)
const secrets = Object.fromEntries(ids.map((id) => [id, id.padEnd(65_536, "x")]))

const localServer = Layer.build(LocalSecretsManager.layer({ secrets })).pipe(
  Effect.map(Context.get(LocalSecretsManager))
)

const storeOver = (local: LocalSecretsManager["Type"]) =>
  AwsSecretStore.layer({ clientConfig: local.clientConfig, retry: { maxAttempts: 1 } }).pipe(
    Layer.build,
    Effect.map(Context.get(SecretStore))
  )

describe("TestIo.finish and large answers", () => {
  it.effect("lets a 1.3 MB batch answer on loopback land before the 5 s timeout", () =>
    Effect.gen(function*() {
      const local = yield* localServer
      const outcomes: Array<string> = []
      for (let round = 0; round < 5; round++) {
        const exit = yield* Effect.scoped(Effect.gen(function*() {
          const store = yield* storeOver(local)
          return yield* TestIo.finish(yield* Effect.fork(Effect.exit(store.fetchBatch!(ids))))
        }))
        const failed = Exit.isFailure(exit) ? ["batch"] : [...exit.value].filter(([, e]) => Exit.isFailure(e))
        if (failed.length > 0) outcomes.push(`round ${round}: timed out at ${yield* Clock.currentTimeMillis} ms`)
      }
      // Nothing on loopback takes 5 s: every round must be answered at t = 0.
      assert.deepStrictEqual(outcomes, [])
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
