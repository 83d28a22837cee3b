// Review 12: once awaitCalls completes, the counted call is asleep on its latency, so TestClock.adjust passes it.
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"

const agentGet = (url: string, secretId: string) =>
  Effect.promise((signal) =>
    fetch(`${url}/secretsmanager/get?secretId=${secretId}`, {
      headers: { "X-Aws-Parameters-Secrets-Token": "t" },
      signal
    }).then((response) => response.status)
  )

describe("review12 awaitCalls", () => {
  it.effect(
    "awaitCalls, then TestClock.adjust(latency): the call answers, 100 rounds in a row",
    () =>
      Effect.gen(function*() {
        const local = yield* Layer.build(
          LocalSecretsManager.layer({ secrets: { db: "v" } }).pipe(Layer.provideMerge(TestIo.layer))
        ).pipe(Effect.map(Context.get(LocalSecretsManager)))
        yield* local.faults.setLatency("10 seconds")
        const stuck: Array<number> = []
        for (let round = 0; round < 100; round++) {
          const fiber = yield* Effect.forkChild(agentGet(local.url, "db"))
          yield* local.awaitCalls(round + 1, "AgentGet")
          yield* TestClock.adjust("10 seconds")
          for (let i = 0; i < 2000 && fiber.pollUnsafe() === undefined; i++) yield* TestIo.ioTurn
          if (fiber.pollUnsafe() === undefined) {
            stuck.push(round)
            yield* TestClock.adjust("10 seconds")
          }
          for (let i = 0; i < 2000 && fiber.pollUnsafe() === undefined; i++) yield* TestIo.ioTurn
        }
        assert.deepStrictEqual(stuck, [])
      }).pipe(Effect.scoped),
    { timeout: 60_000 }
  )
})
