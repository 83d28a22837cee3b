import { SecretsConfigProvider, SecretsMisconfigured, SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Layer, Redacted, Schema } from "effect"
import * as util from "node:util"

const marker = "MRKcfg2V7"
const secrets = {
  "prod/db": JSON.stringify({ username: "app", password: `pw-${marker}`, port: 5432, pool: { max: 8 } }),
  "prod/api-key": `key-${marker}`,
  "prod/app/FEATURE_FLAG": "true",
  "prod/cert": new Uint8Array([1, 2, 3]),
  "prod/list": JSON.stringify([`x-${marker}`]),
  "prod/empty": ""
}

// The program's config, read as it would be from the environment.
const withProvider = <A, E>(
  options: SecretsConfigProvider.SecretsConfigProviderOptions,
  read: Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const provider = yield* SecretsConfigProvider.make(options)
    return yield* Effect.withConfigProvider(read, provider)
  }).pipe(Effect.provide(SecretsService.layerTest(secrets)))

const mapping = {
  DB_USER: { secretId: "prod/db", field: "username" },
  DB_PASSWORD: { secretId: "prod/db", field: "password" },
  DB_PORT: { secretId: "prod/db", field: "port" },
  API_KEY: "prod/api-key",
  DB: "prod/db"
}

describe("SecretsConfigProvider", () => {
  it.effect("Config.string, Config.redacted and Schema.Config read mapped secrets and JSON fields", () =>
    withProvider(
      { mapping },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.string("DB_USER"), "app")
        const password = yield* Config.redacted("DB_PASSWORD")
        assert.isTrue(Redacted.isRedacted(password))
        assert.strictEqual(Redacted.value(password), `pw-${marker}`)
        assert.strictEqual(yield* Schema.Config("DB_PORT", Schema.NumberFromString), 5432)
        assert.strictEqual(Redacted.value(yield* Config.redacted("API_KEY")), `key-${marker}`)
      })
    ))

  it.effect("a path under a mapped JSON secret reads its fields: a whole struct from one secret", () =>
    withProvider(
      { mapping },
      Effect.gen(function*() {
        const db = yield* Config.all({
          username: Config.string("username"),
          password: Config.redacted("password"),
          maxConnections: Config.integer("max").pipe(Config.nested("pool"))
        }).pipe(Config.nested("DB"))
        assert.strictEqual(db.username, "app")
        assert.strictEqual(db.maxConnections, 8)
        assert.notInclude(util.inspect(db), marker, "the password stays redacted")
      })
    ))

  it.effect("prefix mode reads `prefix` + path", () =>
    withProvider(
      { prefix: "prod/app/" },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.boolean("FEATURE_FLAG"), true)
      })
    ))

  it.effect("a missing secret or field is MissingData, so Config.withDefault works", () =>
    withProvider(
      { mapping: { ...mapping, DB_HOST: { secretId: "prod/db", field: "host" } }, prefix: "prod/app/" },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.string("DB_HOST").pipe(Config.withDefault("localhost")), "localhost")
        assert.strictEqual(yield* Config.string("NOT_A_SECRET").pipe(Config.withDefault("fallback")), "fallback")
        const error = yield* Effect.flip(Config.string("NOT_A_SECRET"))
        assert.strictEqual(error._op, "Or")
      })
    ).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))

  it.effect("paths no secret answers fall back to another provider (the environment by default)", () =>
    withProvider(
      { mapping, fallback: ConfigProvider.fromMap(new Map([["LOG_LEVEL", "debug"], ["DB_USER", "ignored"]])) },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.string("LOG_LEVEL"), "debug")
        assert.strictEqual(yield* Config.string("DB_USER"), "app", "a secret wins over the fallback")
      })
    ))

  it.effect("reads go through the cache: one store call however many Config reads", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const provider = yield* SecretsConfigProvider.make({ mapping })
      yield* Effect.withConfigProvider(
        Effect.all([Config.string("DB_USER"), Config.redacted("DB_PASSWORD"), Config.integer("DB_PORT")]),
        provider
      )
      assert.strictEqual(yield* store.fetchCount("prod/db"), 1)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("a value that does not parse is reported without quoting it", () =>
    withProvider(
      { mapping },
      Effect.gen(function*() {
        const error = yield* Effect.flip(Config.integer("DB_PASSWORD"))
        for (const rendering of [String(error), JSON.stringify(error), util.inspect(error, { depth: 10 })]) {
          assert.notInclude(rendering, marker)
        }
      })
    ))

  it.effect("Secrets Manager being unavailable is SourceUnavailable, not a missing value", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      yield* store.failNext("prod/api-key", "throttled")
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: ConfigProvider.fromMap(new Map()) })
      const error = yield* Effect.flip(Effect.withConfigProvider(Config.string("API_KEY"), provider))
      assert.match(String(error), /unavailable/)
      assert.notInclude(String(error), marker)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("an outage or a value that does not parse never falls back to the environment's value", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const environment = ConfigProvider.fromMap(new Map([["API_KEY", "from-env"], ["DB_PORT", "1"]]))
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: environment })
      yield* store.failNext("prod/api-key", "unavailable")
      const outage = yield* Effect.flip(Effect.withConfigProvider(Config.string("API_KEY"), provider))
      assert.match(String(outage), /unavailable/)
      const badValue = yield* Effect.flip(Effect.withConfigProvider(Config.integer("DB_USER"), provider))
      assert.match(String(badValue), /does not parse/)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("a whole value is taken as it is, spaces included", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping: { PW: "spaced" } })
      const password = yield* Effect.withConfigProvider(Config.redacted("PW"), provider)
      assert.strictEqual(Redacted.value(password), "  s3cret \n")
    }).pipe(Effect.provide(SecretsService.layerTest({ spaced: "  s3cret \n" }))))

  it.effect("layer makes it the program's ConfigProvider", () =>
    Effect.gen(function*() {
      const user = yield* Effect.provide(
        Config.string("DB_USER"),
        SecretsConfigProvider.layer({ mapping }).pipe(Layer.provide(SecretsService.layerTest(secrets)))
      )
      assert.strictEqual(user, "app")
    }))

  it.effect("a field of a secret that is not JSON, or text from a binary secret, is InvalidData, not an outage", () =>
    withProvider(
      {
        mapping: {
          ...mapping,
          NOT_JSON: { secretId: "prod/api-key", field: "token" },
          CERT: "prod/cert",
          NOT_OBJECT: { secretId: "prod/list", field: "token" },
          DEEPER: { secretId: "prod/db", field: "password.first" }
        },
        fallback: ConfigProvider.fromMap(new Map([["NOT_JSON", "from-env"], ["CERT", "from-env"]]))
      },
      Effect.gen(function*() {
        const cases = [
          ["NOT_JSON", /expected a JSON document \(to read its field token\)/],
          ["CERT", /expected a SecretString \(the secret is binary\)/],
          ["NOT_OBJECT", /is not a JSON object: expected one with field token/],
          ["DEEPER", /field password is not a JSON object: expected one with field first/]
        ] as const
        for (const [path, says] of cases) {
          // withDefault answers only MissingData: a value of the wrong shape is not quietly replaced.
          const error = yield* Effect.flip(Config.string(path).pipe(Config.withDefault("default")))
          assert.strictEqual(error._op, "InvalidData", path)
          assert.match(String(error), says)
          assert.notMatch(String(error), /unavailable/)
          assert.notInclude(util.inspect(error, { depth: 10 }), marker)
        }
      })
    ))

  it.effect("a misconfigured store is SourceUnavailable that says so, and does not fall back", () =>
    Effect.gen(function*() {
      const service = yield* SecretsService
      const misconfigured = (secretId: string) =>
        Effect.fail(new SecretsMisconfigured({ secretId, reason: "no region" }))
      const provider = SecretsConfigProvider.fromService({
        ...service,
        getString: misconfigured,
        getJson: misconfigured
      }, { mapping, fallback: ConfigProvider.fromMap(new Map([["API_KEY", "from-env"], ["DB_USER", "from-env"]])) })
      for (const path of ["API_KEY", "DB_USER"]) {
        const error = yield* Effect.flip(Effect.withConfigProvider(Config.string(path), provider))
        assert.strictEqual(error._op, "SourceUnavailable")
        assert.match(String(error), /misconfigured .*no region/)
      }
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("an empty secret read by Config.nonEmptyString is MissingData for withDefault, not the environment's", () =>
    withProvider(
      { mapping: { EMPTY: "prod/empty" }, fallback: ConfigProvider.fromMap(new Map([["EMPTY", "from-env"]])) },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.nonEmptyString("EMPTY").pipe(Config.withDefault("default")), "default")
        const error = yield* Effect.flip(Config.nonEmptyString("EMPTY"))
        assert.strictEqual(error._op, "MissingData")
      })
    ))
})
