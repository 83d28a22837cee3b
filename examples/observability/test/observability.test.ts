import { TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../src/program.js"

describe("observability", () => {
  it.effect("exports the cache's spans under the request spans, and its metrics, with no secret value", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const fiber = yield* Effect.fork(program((line) => Effect.sync(() => void lines.push(line))))
      yield* TestIo.finish(fiber, { window: 1000 })
      const out = lines.join("\n")
      assert.include(out, "  GET /orders (cold)\n    SecretsService.get  {secret.id=prod/api-key, cache.outcome=miss}")
      assert.match(out, /SecretsService\.load {2}\{secret\.id=prod\/api-key, load\.batched=false, secret\.version_id=/)
      assert.include(out, "SecretStore.fetch  {secret.id=prod/api-key}")
      assert.include(out, "cache.outcome=stale")
      assert.include(out, "load.outcome=SecretNotFound")
      assert.include(out, "effect_secrets_hits_total 2")
      assert.include(out, "effect_secrets_load_failures_total{error=\"SecretsUnavailable\"} 2")
      assert.include(out, "effect_secrets_stale_reads_total 2")
      for (const value of ["key-v1", "key-v2", "pw-v1"]) assert.notInclude(out, value)
    }))
})
