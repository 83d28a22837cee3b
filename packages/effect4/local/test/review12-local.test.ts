// Review 12: the Effect 4 local endpoint's request fibers end with their connections, and shutdown does not wait on
// calls whose clients went away.
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Scope } from "effect"
import * as Http from "node:http"

const turns = (n: number) => Effect.forEach(Array.from({ length: n }), () => TestIo.ioTurn, { discard: true })

describe("review12 local", () => {
  it.effect("a client that goes away during a latency sleep ends its call: no sleep, no fiber left behind", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const local = yield* Layer.buildWithScope(
        LocalSecretsManager.layer({ secrets: { db: "v" } }).pipe(Layer.provideMerge(TestIo.layer)),
        scope
      ).pipe(Effect.map(Context.get(LocalSecretsManager)))
      yield* local.faults.setLatency("10 seconds")
      const request = Http.request(`${local.url}/secretsmanager/get?secretId=db`, {
        headers: { "X-Aws-Parameters-Secrets-Token": "t" }
      })
      request.on("error", () => {})
      request.end()
      yield* local.awaitCalls(1)
      // The server's call is now sleeping on the recording TestClock.
      for (let i = 0; i < 50 && (yield* TestIo.sleeps).length === 0; i++) yield* TestIo.ioTurn
      assert.deepStrictEqual(yield* TestIo.sleeps, [10_000])
      request.destroy()
      for (let i = 0; i < 200 && (yield* TestIo.sleeps).length > 0; i++) yield* TestIo.ioTurn
      assert.deepStrictEqual(yield* TestIo.sleeps, [], "the call's fiber was interrupted with its connection")
      // Nothing holds the server open: shutting down finishes within a few real turns.
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* turns(200)
      assert.isDefined(closing.pollUnsafe(), "shutdown finished")
    }).pipe(TestIo.withRecording))

  it.live("after shutdown the port is free and no socket of the server stays open (keep-alive SDK-like client)", () =>
    Effect.gen(function*() {
      const agent = new Http.Agent({ keepAlive: true })
      const port = yield* Effect.scoped(Effect.gen(function*() {
        const local = yield* Layer.build(LocalSecretsManager.layer({ secrets: { db: "v" } })).pipe(
          Effect.map(Context.get(LocalSecretsManager))
        )
        for (let i = 0; i < 3; i++) {
          const status = yield* Effect.callback<number>((resume) => {
            const request = Http.request(`${local.url}/secretsmanager/get?secretId=db`, {
              agent,
              headers: { "X-Aws-Parameters-Secrets-Token": "t" }
            }, (response) => {
              response.resume()
              response.on("end", () => resume(Effect.succeed(response.statusCode ?? 0)))
            })
            request.end()
          })
          assert.strictEqual(status, 200)
        }
        return local.port
      })).pipe(Effect.timeout(Duration.seconds(5)))
      agent.destroy()
      yield* Effect.scoped(Layer.build(LocalSecretsManager.layer({ port })))
    }))
})
