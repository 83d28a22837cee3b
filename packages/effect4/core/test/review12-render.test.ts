import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Formatter, Schema } from "effect"
import * as util from "node:util"

const M = "RNDRmark55"

const render = (u: unknown): ReadonlyArray<string> => [
  String(u),
  util.inspect(u, { depth: null, showHidden: true }),
  JSON.stringify(u) ?? "",
  Formatter.format(u),
  Formatter.format(u, { space: 2 })
]

describe("review12 renderings", () => {
  it.effect("a SecretValue (string and binary), its views and the exits carrying them render no value", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const text = yield* secrets.get("s")
      const bin = yield* secrets.get("b")
      const fast = yield* secrets.getString("s")
      const bytes = yield* secrets.getBinary("b")
      const exit = yield* Effect.exit(secrets.get("s"))
      const json = yield* secrets.getJson("j", Schema.Struct({ k: Schema.RedactedFromValue(Schema.String) }))
      const things: ReadonlyArray<unknown> = [text, bin, fast, bytes, exit, json, { nested: [text, bin] }]
      const leaks = things.flatMap(render).filter((r) => r.includes(M) || r.includes("82,78,68")) // 'RND' bytes
      assert.deepStrictEqual(leaks, [])
      // A Read effect itself, rendered before it runs, shows nothing either.
      const read = secrets.get("s")
      assert.deepStrictEqual(render(read).filter((r) => r.includes(M)), [])
    }).pipe(Effect.provide(SecretsService.layerTest({
      s: M,
      b: new TextEncoder().encode(M),
      j: JSON.stringify({ k: M })
    }))))

  it.effect("errors of every kind render no value and Cause.pretty of a failed read holds none", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      const exits: Array<Exit.Exit<unknown, unknown>> = []
      exits.push(yield* Effect.exit(secrets.getBinary("s")))
      exits.push(yield* Effect.exit(secrets.getJson("s", Schema.Struct({ a: Schema.String }))))
      exits.push(yield* Effect.exit(secrets.getJson("j", Schema.Struct({ k: Schema.Number }))))
      for (const f of ["throttled", "accessDenied", "rejected", "misconfigured", "defect"] as const) {
        yield* store.failNext("j", f)
        exits.push(yield* Effect.exit(secrets.refresh("j")))
      }
      const leaks = exits.flatMap((exit) =>
        Exit.isFailure(exit) ? [Cause.pretty(exit.cause), ...render(exit), ...render(exit.cause)] : []
      ).filter((r) => r.includes(M))
      assert.deepStrictEqual(leaks, [])
    }).pipe(Effect.provide(SecretsService.layerTest({ s: M, j: JSON.stringify({ k: M }) }))))
})
