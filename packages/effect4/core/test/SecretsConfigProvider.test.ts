import { SecretsConfigProvider, SecretsMisconfigured, SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Effect, Exit, Layer, Option, Redacted, Schema, SchemaIssue } from "effect"
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

// Effect 4 sets the provider as a service (Effect 3's `Effect.withConfigProvider`).
const withConfigProvider = (provider: ConfigProvider.ConfigProvider) =>
  Effect.provideService(ConfigProvider.ConfigProvider, provider)

// The program's config, read as it would be from the environment.
const withProvider = <A, E>(
  options: SecretsConfigProvider.SecretsConfigProviderOptions,
  read: Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const provider = yield* SecretsConfigProvider.make(options)
    return yield* read.pipe(withConfigProvider(provider))
  }).pipe(Effect.provide(SecretsService.layerTest(secrets)))

// Effect 4's `Config.ConfigError` wraps either a `SourceError` (Effect 3's SourceUnavailable: the provider could not
// answer) or a `SchemaError` (the value is absent or does not parse).
const kind = (error: Config.ConfigError): string => error.cause._tag

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
        assert.strictEqual(yield* Config.String("DB_USER"), "app")
        const password = yield* Config.Redacted("DB_PASSWORD")
        assert.isTrue(Redacted.isRedacted(password))
        assert.strictEqual(Redacted.value(password), `pw-${marker}`)
        // Effect 4's `Config.schema` is Effect 3's `Schema.Config`; `FiniteFromString` its `NumberFromString`.
        assert.strictEqual(yield* Config.schema(Schema.FiniteFromString, "DB_PORT"), 5432)
        assert.strictEqual(Redacted.value(yield* Config.Redacted("API_KEY")), `key-${marker}`)
      })
    ))

  it.effect("a path under a mapped JSON secret reads its fields: a whole struct from one secret", () =>
    withProvider(
      { mapping },
      Effect.gen(function*() {
        const db = yield* Config.all({
          username: Config.String("username"),
          password: Config.Redacted("password"),
          maxConnections: Config.Int("max").pipe(Config.nested("pool"))
        }).pipe(Config.nested("DB"))
        assert.strictEqual(db.username, "app")
        assert.strictEqual(db.maxConnections, 8)
        assert.notInclude(util.inspect(db), marker, "the password stays redacted")
        // Effect 4 reads a struct through one schema as well: the secret is a record of its fields.
        const struct = yield* Config.schema(
          Schema.Struct({
            username: Schema.String,
            password: Schema.RedactedFromValue(Schema.String),
            pool: Schema.Struct({ max: Schema.FiniteFromString })
          }),
          "DB"
        )
        assert.strictEqual(struct.username, "app")
        assert.strictEqual(struct.pool.max, 8)
        assert.notInclude(util.inspect(struct), marker, "the password stays redacted")
      })
    ))

  it.effect("prefix mode reads `prefix` + path", () =>
    withProvider(
      { prefix: "prod/app/" },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.Boolean("FEATURE_FLAG"), true)
      })
    ))

  it.effect("a missing secret or field is MissingData, so Config.withDefault works", () =>
    withProvider(
      { mapping: { ...mapping, DB_HOST: { secretId: "prod/db", field: "host" } }, prefix: "prod/app/" },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.String("DB_HOST").pipe(Config.withDefault("localhost")), "localhost")
        assert.strictEqual(yield* Config.String("NOT_A_SECRET").pipe(Config.withDefault("fallback")), "fallback")
        // Effect 4 has no MissingData: an absent value is a SchemaError that `withDefault` and `option` answer.
        const error = yield* Effect.flip(Config.String("NOT_A_SECRET"))
        assert.strictEqual(kind(error), "SchemaError")
        assert.isTrue(Option.isNone(yield* Config.option(Config.String("NOT_A_SECRET"))))
      })
    ).pipe(withConfigProvider(ConfigProvider.fromUnknown({}))))

  it.effect("paths no secret answers fall back to another provider (the environment by default)", () =>
    withProvider(
      { mapping, fallback: ConfigProvider.fromUnknown({ LOG_LEVEL: "debug", DB_USER: "ignored" }) },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.String("LOG_LEVEL"), "debug")
        assert.strictEqual(yield* Config.String("DB_USER"), "app", "a secret wins over the fallback")
      })
    ))

  it.effect("reads go through the cache: one store call however many Config reads", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const provider = yield* SecretsConfigProvider.make({ mapping })
      yield* Effect.all([Config.String("DB_USER"), Config.Redacted("DB_PASSWORD"), Config.Int("DB_PORT")]).pipe(
        withConfigProvider(provider)
      )
      assert.strictEqual(yield* store.fetchCount("prod/db"), 1)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("a value that does not parse is reported without quoting it", () =>
    withProvider(
      { mapping },
      Effect.gen(function*() {
        const error = yield* Effect.flip(Config.Int("DB_PASSWORD"))
        for (
          const rendering of [
            String(error),
            JSON.stringify(error),
            util.inspect(error, { depth: 10 }),
            error.message,
            String(error.cause)
          ]
        ) {
          assert.notInclude(rendering, marker)
        }
        assert.match(String(error), /Expected a string representing a finite number/)
      })
    ))

  it.effect("Secrets Manager being unavailable is SourceUnavailable, not a missing value", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      yield* store.failNext("prod/api-key", "throttled")
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: ConfigProvider.fromUnknown({}) })
      const error = yield* Effect.flip(Config.String("API_KEY").pipe(withConfigProvider(provider)))
      assert.strictEqual(kind(error), "SourceError")
      assert.match(String(error), /unavailable/)
      assert.notInclude(String(error), marker)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("an outage or a value that does not parse never falls back to the environment's value", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const environment = ConfigProvider.fromUnknown({ API_KEY: "from-env", DB_PORT: "1", DB_USER: "7" })
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: environment })
      yield* store.failNext("prod/api-key", "unavailable")
      const outage = yield* Effect.flip(Config.String("API_KEY").pipe(withConfigProvider(provider)))
      assert.strictEqual(kind(outage), "SourceError")
      assert.match(String(outage), /unavailable/)
      const badValue = yield* Effect.flip(Config.Int("DB_USER").pipe(withConfigProvider(provider)))
      assert.strictEqual(kind(badValue), "SchemaError")
      assert.match(String(badValue), /Expected a string representing a finite number/)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("a whole value is taken as it is, spaces included", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping: { PW: "spaced" } })
      const password = yield* Config.Redacted("PW").pipe(withConfigProvider(provider))
      assert.strictEqual(Redacted.value(password), "  s3cret \n")
    }).pipe(Effect.provide(SecretsService.layerTest({ spaced: "  s3cret \n" }))))

  it.effect("layer makes it the program's ConfigProvider", () =>
    Effect.gen(function*() {
      const user = yield* Effect.provide(
        Config.String("DB_USER"),
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
        fallback: ConfigProvider.fromUnknown({ NOT_JSON: "from-env", CERT: "from-env", NOT_OBJECT: "from-env" })
      },
      Effect.gen(function*() {
        const cases = [
          ["NOT_JSON", /expected a JSON document \(to read its field token\)/],
          ["CERT", /expected a SecretString \(the secret is binary\)/],
          ["NOT_OBJECT", /is not a JSON object: expected one with field token/],
          ["DEEPER", /field password is not a JSON object: expected one with field first/]
        ] as const
        for (const [path, says] of cases) {
          // withDefault answers only an absent value: a value of the wrong shape is not quietly replaced. A provider
          // can only fail with a SourceError in Effect 4: what it says tells it from an outage.
          const exit = yield* Effect.exit(Config.String(path).pipe(Config.withDefault("default")))
          if (Exit.isSuccess(exit)) assert.fail(`${path} answered ${exit.value} instead of failing`)
          const error = Option.getOrThrow(Cause.findErrorOption(exit.cause))
          assert.strictEqual(kind(error), "SourceError", path)
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
      }, { mapping, fallback: ConfigProvider.fromUnknown({ API_KEY: "from-env", DB_USER: "from-env" }) })
      for (const path of ["API_KEY", "DB_USER"]) {
        const error = yield* Effect.flip(Config.String(path).pipe(withConfigProvider(provider)))
        assert.strictEqual(kind(error), "SourceError")
        assert.match(String(error), /misconfigured .*no region/)
      }
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("an empty secret read by Config.nonEmptyString is MissingData for withDefault, not the environment's", () =>
    withProvider(
      { mapping: { EMPTY: "prod/empty" }, fallback: ConfigProvider.fromUnknown({ EMPTY: "from-env" }) },
      Effect.gen(function*() {
        assert.strictEqual(yield* Config.NonEmptyString("EMPTY").pipe(Config.withDefault("default")), "default")
        // Absent, as Effect 4's own providers read an empty string: `option` answers None, and nothing says from-env.
        assert.isTrue(Option.isNone(yield* Config.option(Config.NonEmptyString("EMPTY"))))
        const error = yield* Effect.flip(Config.NonEmptyString("EMPTY"))
        assert.strictEqual(kind(error), "SchemaError")
        assert.notInclude(String(error), "from-env")
      })
    ))
})

// `SecretsConfigProvider.read`: the whole parse of a Config, so errors of the user's own are covered too.
describe("SecretsConfigProvider.read", () => {
  const invalid = (path: ReadonlyArray<string>, message: string) =>
    new Config.ConfigError(
      new Schema.SchemaError(new SchemaIssue.Pointer(path, new SchemaIssue.InvalidValue({ message })))
    )
  const environment = ConfigProvider.fromUnknown({ LEVEL: "verbose", N: "not-a-bigint", HOST: "db.local" })
  const readWith = <A>(provider: ConfigProvider.ConfigProvider, config: Config.Config<A>) =>
    SecretsConfigProvider.read(config).pipe(withConfigProvider(provider))
  const errorOf = <A>(exit: Exit.Exit<A, Config.ConfigError>): Config.ConfigError => {
    if (Exit.isSuccess(exit)) throw new Error("the read should fail")
    const error = Cause.findErrorOption(exit.cause)
    if (Option.isNone(error)) throw new Error("a ConfigError, not a defect")
    return error.value
  }
  // The same Config read plainly and through `read`, against the same provider.
  const both = <A>(provider: ConfigProvider.ConfigProvider, config: Config.Config<A>) =>
    Effect.gen(function*() {
      const plain = yield* Effect.exit(config.pipe(withConfigProvider(provider)))
      const read = yield* Effect.exit(readWith(provider, config))
      return { plain, read }
    })

  it.effect("when no secret was read, errors and defects pass through untouched", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: environment })
      // A user's message quoting a value the environment gave, at a path no read asked for: kept, as `yield*` has it.
      const own = yield* both(
        provider,
        Config.String("LEVEL").pipe(Config.mapEffect((level) => Effect.fail(invalid(["x"], `bad level ${level}`))))
      )
      assert.strictEqual(String(errorOf(own.read)), String(errorOf(own.plain)))
      assert.match(String(errorOf(own.read)), /bad level verbose[\s\S]*at \["x"\]/)
      // Effect's own message for a value that does not parse, and an absence, likewise.
      for (
        const config of [Config.LogLevel("LEVEL"), Config.String("NOWHERE")] as ReadonlyArray<Config.Config<unknown>>
      ) {
        const { plain, read } = yield* both(provider, config)
        assert.strictEqual(String(errorOf(read)), String(errorOf(plain)))
      }
      // A defect stays the same defect.
      const defect = yield* both(provider, Config.map(Config.String("N"), BigInt))
      assert.isTrue(Exit.isFailure(defect.read) && Cause.hasDies(defect.read.cause))
      assert.match(String(Exit.isFailure(defect.read) && Cause.squash(defect.read.cause)), /not-a-bigint/)
      // A secret that could not be read is no secret value read: the outage passes through as it is.
      const store = yield* TestSecretStore
      yield* store.failNext("prod/api-key", "throttled")
      const outage = errorOf(yield* Effect.exit(readWith(provider, Config.String("API_KEY"))))
      assert.strictEqual(kind(outage), "SourceError")
      assert.match(String(outage), /unavailable/)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("values read through it are the same as with yield*", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: environment })
      const config = Config.all([
        Config.String("DB_USER"),
        Config.schema(Schema.FiniteFromString, "DB_PORT"),
        Config.String("HOST"),
        Config.Redacted("API_KEY").pipe(Config.map(Redacted.value))
      ])
      const { plain, read } = yield* both(provider, config)
      assert.deepStrictEqual(Exit.isSuccess(read) && read.value, ["app", 5432, "db.local", `key-${marker}`])
      assert.deepStrictEqual(Exit.isSuccess(plain) && plain.value, Exit.isSuccess(read) && read.value)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("Config.withDefault, Config.option and Config.orElse inside the Config still answer an absence", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: environment })
      // A path built from a secret's value, absent: `read` sees no error, the parse answered it first.
      const built = Config.flatMap(Config.String("API_KEY"), (key) => Config.String(`HOST_${key}`))
      assert.strictEqual(yield* readWith(provider, Config.withDefault(built, "default")), "default")
      assert.isTrue(Option.isNone(yield* readWith(provider, Config.option(built))))
      assert.strictEqual(yield* readWith(provider, Config.orElse(built, () => Config.String("HOST"))), "db.local")
      // Without them, the absence is said as one, at a path that does not show the value.
      const error = errorOf(yield* Effect.exit(readWith(provider, built)))
      assert.strictEqual(kind(error), "SchemaError")
      assert.match(String(error), /The value is missing \(its message is not shown[\s\S]*at \["<redacted>"\]/)
      assert.notInclude(util.inspect(error, { depth: null }), marker)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("paths keep what was asked before a secret was read, what a source answered and the mapping's keys", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping, fallback: environment })
      const fails = (path: ReadonlyArray<string>) =>
        Config.all([Config.String("HOST"), Config.String("API_KEY"), Config.String("LEVEL")]).pipe(
          Config.mapEffect(([, key]) => Effect.fail(invalid([...path, key], "bad")))
        )
      // HOST before the secret; LEVEL after it, answered by the fallback; DB_PASSWORD a key of `mapping`, never
      // asked; the key's value none of these.
      for (const segment of ["HOST", "LEVEL", "DB_PASSWORD"]) {
        const error = errorOf(yield* Effect.exit(readWith(provider, fails([segment]))))
        assert.include(String(error), `at ["${segment}"]["<redacted>"]`)
        assert.notInclude(String(error), marker)
      }
      // A path nothing answered is shown if it was asked before the secret was read, and not if it was asked after.
      const unset = Config.String("UNSET").pipe(Config.withDefault("d"))
      const failsAtUnset = <A>(config: Config.Config<A>) =>
        config.pipe(Config.mapEffect(() => Effect.fail(invalid(["UNSET"], "bad"))))
      const before = failsAtUnset(Config.all([unset, Config.String("API_KEY")]))
      assert.include(String(errorOf(yield* Effect.exit(readWith(provider, before)))), `at ["UNSET"]`)
      const after = failsAtUnset(Config.all([Config.String("API_KEY"), unset]))
      assert.include(String(errorOf(yield* Effect.exit(readWith(provider, after)))), `at ["<redacted>"]`)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))

  it.effect("a secret read through ConfigProvider.orElse or nested is seen, and this provider's outage kept", () =>
    Effect.gen(function*() {
      const own = yield* SecretsConfigProvider.make({ mapping, fallback: ConfigProvider.fromUnknown({}) })
      const underApp = SecretsConfigProvider.fromService(yield* SecretsService, {
        mapping: { "APP.API_KEY": "prod/api-key" }
      })
      // A provider of the user's that hands out copies of the nodes, and one that caches them across reads.
      const copying = ConfigProvider.make((path) =>
        Effect.map(own.load(path), (node) => node === undefined ? undefined : { ...node })
      )
      const cache = new Map<string, ConfigProvider.Node | undefined>()
      const caching = ConfigProvider.make((path) => {
        const key = JSON.stringify(path)
        return cache.has(key)
          ? Effect.succeed(cache.get(key))
          : Effect.tap(own.load(path), (node) => Effect.sync(() => cache.set(key, node)))
      })
      yield* Config.String("API_KEY").pipe(withConfigProvider(caching))
      const composed = [
        ConfigProvider.orElse(own, environment),
        ConfigProvider.nested(underApp, "APP"),
        copying,
        caching
      ]
      for (const provider of composed) {
        const error = errorOf(
          yield* Effect.exit(readWith(provider, Config.map(Config.String("API_KEY"), BigInt)))
        )
        assert.match(String(error), /A function over a value read from a secret threw/)
        assert.notInclude(util.inspect(error, { depth: null }), marker)
      }
      // An outage after a secret was read: the message this provider wrote names the secret, not a value, and stays.
      const store = yield* TestSecretStore
      yield* store.failNext("prod/list", "throttled")
      const provider = yield* SecretsConfigProvider.make({
        mapping: { ...mapping, LIST: "prod/list" },
        fallback: environment
      })
      const outage = errorOf(
        yield* Effect.exit(readWith(provider, Config.all([Config.String("API_KEY"), Config.String("LIST")])))
      )
      assert.strictEqual(kind(outage), "SourceError")
      assert.match(String(outage), /unavailable/)
    }).pipe(Effect.provide(SecretsService.layerTest(secrets))))
})
