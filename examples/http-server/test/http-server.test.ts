import { LocalSecretsManager } from "@effect-secrets/local"
import { HttpClient, HttpServer } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { DemoLive, program } from "../src/program.js"

// The load runs for real over loopback; nothing in it sleeps, so the TestClock of `it.effect` never has to move.
describe("http-server", () => {
  it.effect(
    "serves every request with one GetSecretValue per secret; the SDK per request makes one per secret per request",
    () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const say = (line: string) => Effect.sync(() => void lines.push(line))
        const { viaCache, viaSdk } = yield* program({ requests: 200, concurrency: 16 }, say)
        assert.deepStrictEqual(viaCache, { served: 200, failed: 0, getSecretValueCalls: 2, millis: viaCache.millis })
        assert.deepStrictEqual(viaSdk, { served: 200, failed: 0, getSecretValueCalls: 400, millis: viaSdk.millis })
        const out = lines.join("\n")
        assert.match(out, /GET \/greeting \(SecretsService\) +200 served, 0 failed in \d+ ms; 2 GetSecretValue calls\./)
        assert.match(
          out,
          /GET \/naive\/greeting \(SDK per request\) 200 served, 0 failed in \d+ ms; 400 GetSecretValue calls\./
        )
        assert.notInclude(out, "whk-s3cr3t")
      }).pipe(Effect.provide(DemoLive)),
    60_000
  )

  it.effect("answers 401 to a wrong API key without reading past the key", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const local = yield* LocalSecretsManager
      const url = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(`${address}/greeting`))
      const response = yield* client.get(url, { headers: { "x-api-key": "guessed" } })
      assert.strictEqual(response.status, 401)
      assert.strictEqual(yield* response.text, "unauthorized")
      assert.strictEqual(yield* local.calls("GetSecretValue", "demo/greeting-config"), 0)
    }).pipe(Effect.provide(DemoLive)))
})
