import { SecretsConfigProvider, SecretsService } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Effect, Exit, Schema } from "effect"
import * as util from "node:util"

const marker = "MRKr12cfgZ"
const secrets = {
  "prod/api-key": `key${marker}`,
  "prod/json": JSON.stringify({ kind: `k${marker}`, n: `n${marker}`, tag: `t${marker}` })
}
const mapping = {
  API_KEY: "prod/api-key",
  KIND: { secretId: "prod/json", field: "kind" },
  N: { secretId: "prod/json", field: "n" },
  J: "prod/json"
}

const renderings = (exit: Exit.Exit<unknown, unknown>): ReadonlyArray<string> => {
  if (Exit.isSuccess(exit)) return ["<success>"]
  const out = [Cause.pretty(exit.cause), util.inspect(exit.cause, { depth: null })]
  for (const reason of exit.cause.reasons) {
    const e = reason._tag === "Fail" ? reason.error : reason._tag === "Die" ? reason.defect : undefined
    if (e !== undefined) out.push(String(e), util.inspect(e, { depth: null }), JSON.stringify(e) ?? "")
  }
  return out
}

const withProvider = (provider: ConfigProvider.ConfigProvider) =>
  Effect.provideService(ConfigProvider.ConfigProvider, provider)

describe("review12 SecretsConfigProvider", () => {
  // Configs over secret values that fail, each read plainly and through `read`: Effect 4's own parsing must quote no
  // value either way; `read` must quote none even where the config's own code would.
  const cases: ReadonlyArray<readonly [string, Config.Config<unknown>, boolean]> = [
    ["Int over a secret", Config.Int("API_KEY"), true],
    ["Port over a field", Config.Port("KIND"), true],
    ["Boolean over a field", Config.Boolean("N"), true],
    ["Duration over a secret", Config.Duration("API_KEY"), true],
    ["Literals over a field", Config.Literals(["a", "b"], "KIND"), true],
    ["URL over a secret", Config.URL("API_KEY"), true],
    ["LogLevel over a field", Config.LogLevel("N"), true],
    ["a schema check of Effect's", Config.schema(Schema.String.check(Schema.isMinLength(100)), "API_KEY"), true],
    ["a struct over the JSON secret", Config.schema(Schema.Struct({ kind: Schema.Finite }), "J"), true],
    ["all + Int", Config.all([Config.String("KIND"), Config.Int("N")]), true],
    ["orElse between two bad reads", Config.orElse(Config.Int("API_KEY"), () => Config.Int("N")), true],
    ["a throwing map of the user's", Config.map(Config.String("API_KEY"), (s) => BigInt(s)), false],
    [
      "a check of the user's quoting the value",
      Config.schema(Schema.String.check(Schema.makeFilter((s: string) => `bad ${s}`)), "API_KEY"),
      false
    ],
    [
      "a path built from the value",
      Config.flatMap(Config.String("KIND"), (s) => Config.String(`x-${s}`)),
      false
    ]
  ]
  for (const [name, config, plainIsSafe] of cases) {
    it.effect(`${name}: no rendering quotes the value${plainIsSafe ? ", plain or through read" : " through read"}`, () =>
      Effect.gen(function*() {
        const provider = yield* SecretsConfigProvider.make({ mapping, fallback: ConfigProvider.fromUnknown({}) })
        const viaRead = yield* Effect.exit(SecretsConfigProvider.read(config).pipe(withProvider(provider)))
        assert.isTrue(Exit.isFailure(viaRead))
        assert.deepStrictEqual(renderings(viaRead).filter((r) => r.includes(marker)), [])
        if (plainIsSafe) {
          const plain = yield* Effect.exit(withProvider(provider)(config))
          assert.isTrue(Exit.isFailure(plain))
          assert.deepStrictEqual(renderings(plain).filter((r) => r.includes(marker)), [])
        }
      }).pipe(Effect.provide(SecretsService.layerTest(secrets))))
  }
})
