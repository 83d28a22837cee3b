import { SecretsConfigProvider, SecretsService } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Duration, Effect, Exit, Logger, Option, Schema, SchemaIssue } from "effect"
import { TestConsole } from "effect/testing"
import * as util from "node:util"

// A value no message could hold by chance: wherever it shows up, a secret leaked.
const marker = `MARKER-${Math.random().toString(36).slice(2, 10)}`

// Effect 4 sets the provider as a service (Effect 3's `Effect.withConfigProvider`).
const withConfigProvider = (provider: ConfigProvider.ConfigProvider) =>
  Effect.provideService(ConfigProvider.ConfigProvider, provider)

// A check of the user's own, failing with a message it wrote (Effect 3's `ConfigError.InvalidData(path, message)`).
const invalid = (path: ReadonlyArray<string>, message: string) =>
  new Config.ConfigError(
    new Schema.SchemaError(new SchemaIssue.Pointer(path, new SchemaIssue.InvalidValue({ message })))
  )

// Effect 3's `Config.mapAttempt`: a function that may throw, its error turned into a ConfigError with its message.
const mapAttempt = <A, B>(self: Config.Config<A>, f: (a: A) => B): Config.Config<B> =>
  Config.mapEffect(
    self,
    (a) =>
      Effect.try({ try: () => f(a), catch: (error) => invalid([], error instanceof Error ? error.message : "threw") })
  )

// Effect 3's `Config.branded` over a `Brand.refined` whose error quotes the value: a branded schema with such a check.
const ApiKey = Schema.String.check(
  Schema.makeFilter((s: string) => s.startsWith("sk-") || `Expected ${s} to start with sk-`)
)
  .pipe(Schema.brand("ApiKey"))

// Config.Port's schema (not exported by Effect 4), for lists of ports.
const PortSchema = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 }))

interface Case {
  readonly name: string
  readonly config: Config.Config<unknown>
  /** The secret the path `V` reads (or the one `mapping` names). */
  readonly value: string
  readonly mapping?: SecretsConfigProvider.SecretsConfigProviderOptions["mapping"]
  /** What the error should say instead. */
  readonly says: RegExp
  /**
   * The Config runs a function or a message of the user's own over the value: on Effect 4 only
   * `SecretsConfigProvider.read` covers it (plain `yield* config` covers Effect's own parsing only).
   */
  readonly throughRead?: true
}

// Effect 4's own words for a value that does not parse as a number (Config.Int, Config.Number, Config.Port...).
const parse = /Expected a string representing a finite number/
// A check of the user's own: the error still names where (Effect 4 renders a path as `at ["KEY"]`).
const atV = /at \["V"\]/
// What `SecretsConfigProvider.read` says instead of an error a user's code wrote, once a secret was read.
const rejected = /The value is invalid \(its message is not shown: this Config also read a secret/
const missing = /The value is missing \(its message is not shown: this Config also read a secret/

// Every built-in combinator that parses or checks text, and the user's own checks, over a secret that fails them.
// Names are Effect 3's; each config is its Effect 4 counterpart (MIGRATION-NOTES-tests.md lists them).
const cases: ReadonlyArray<Case> = [
  { name: "Config.integer", config: Config.Int("V"), value: marker, says: parse },
  { name: "Config.number", config: Config.Number("V"), value: marker, says: parse },
  { name: "Config.boolean", config: Config.Boolean("V"), value: marker, says: /Expected "true" \| "yes"/ },
  { name: "Config.date", config: Config.Date("V"), value: `not a date ${marker}`, says: /Expected a valid date/i },
  { name: "Config.url", config: Config.URL("V"), value: marker, says: /Expected a valid URL string/ },
  { name: "Config.port", config: Config.Port("V"), value: marker, says: parse },
  { name: "Config.literal", config: Config.Literals(["a", "b"], "V"), value: marker, says: /Expected "a" \| "b"/ },
  { name: "Config.logLevel", config: Config.LogLevel("V"), value: marker, says: /Expected "All" \| "Fatal"/ },
  { name: "Config.duration", config: Config.Duration("V"), value: marker, says: /Expected a valid Duration string/ },
  {
    name: "Config.duration over a whole JSON secret mapped by mistake",
    config: Config.Duration("V"),
    value: JSON.stringify({ username: "app", password: marker }),
    says: /Expected a valid Duration string/
  },
  {
    name: "Config.duration over the wrong field of a JSON secret",
    config: Config.Duration("V"),
    value: JSON.stringify({ timeout: marker }),
    mapping: { V: { secretId: "case", field: "timeout" } },
    says: /Expected a valid Duration string/
  },
  {
    name: "Config.nested over a mapped JSON secret",
    config: Config.nested(Config.LogLevel("level"), "V"),
    value: JSON.stringify({ level: marker }),
    says: /Expected "All" \| "Fatal"/
  },
  {
    name: "Config.branded",
    config: Config.schema(ApiKey, "V"),
    value: marker,
    says: new RegExp(`${rejected.source}[\\s\\S]*${atV.source}`),
    throughRead: true
  },
  {
    name: "Schema.Config (NumberFromString)",
    config: Config.schema(Schema.FiniteFromString, "V"),
    value: marker,
    says: /Expected a finite number/
  },
  {
    name: "Schema.Config (a refinement)",
    config: Config.schema(Schema.String.check(Schema.isMinLength(100)), "V"),
    value: marker,
    says: /Expected a value with a length of at least 100/
  },
  {
    name: "Config.validate (the user's message is replaced too)",
    config: Config.schema(
      Schema.String.check(Schema.makeFilter((s: string) => s.startsWith("sk-"), { message: "must start with sk-" })),
      "V"
    ),
    value: marker,
    says: atV
  },
  {
    name: "Config.mapAttempt",
    config: mapAttempt(Config.String("V"), (s) => {
      throw new Error(`cannot use ${s}`)
    }),
    value: marker,
    says: new RegExp(`ConfigError\\(SchemaError\\(${rejected.source}`),
    throughRead: true
  },
  {
    name: "Config.mapOrFail with the user's InvalidData at a path of its own",
    config: Config.all([Config.String("V"), Config.String("W")]).pipe(
      Config.mapEffect(([v]) => Effect.fail(invalid(["x"], `bad ${v}`)))
    ),
    value: marker,
    mapping: { V: "case", W: "case" },
    // "x" is no path the read asked for or the configuration has: the user chose it, and may have put a value in it.
    says: new RegExp(`${rejected.source}[\\s\\S]*at \\["<redacted>"\\]`),
    throughRead: true
  },
  {
    // Effect 4 has no MissingData a user can write: a Config is absent at a path, here one the value chose.
    name: "Config.mapOrFail with the user's MissingData quoting the value",
    config: Config.flatMap(Config.String("V"), (s) => Config.String(`no ${s}`)),
    value: marker,
    says: new RegExp(`${missing.source}[\\s\\S]*at \\["<redacted>"\\]`),
    throughRead: true
  },
  {
    name: "Config.map over a function that throws",
    config: Config.map(Config.String("V"), BigInt),
    value: marker,
    says: /A function over a value read from a secret threw/,
    throughRead: true
  },
  {
    name: "Config.array of integers, a part",
    config: Config.Array(Schema.Int, "V"),
    value: `1,${marker}`,
    says: parse
  },
  {
    name: "Config.array of durations, a part",
    config: Config.Array(Schema.DurationFromString, "V"),
    value: `1 second,${marker} `,
    says: /Expected a valid Duration string/
  },
  { name: "Config.chunk", config: Config.Array(Schema.Finite, "V"), value: `${marker},2`, says: parse },
  { name: "Config.hashSet", config: Config.Array(PortSchema, "V"), value: `80,${marker}`, says: parse },
  {
    name: "Config.hashMap",
    config: Config.Record(Schema.String, Schema.Int, "V"),
    value: marker,
    mapping: { "V.k": "case" },
    says: parse
  },
  { name: "Config.withDefault", config: Config.withDefault(Config.Int("V"), 1), value: marker, says: parse },
  {
    name: "Config.option",
    config: Config.option(Config.Duration("V")),
    value: marker,
    says: /Expected a valid Duration string/
  },
  {
    name: "Config.orElse",
    config: Config.orElse(Config.Int("V"), () => Config.Duration("V")),
    value: marker,
    says: /Expected a valid Duration string/
  },
  {
    // Effect 4's Config.all stops at the first failure.
    name: "Config.all",
    config: Config.all([Config.Int("V"), Config.LogLevel("V")]),
    value: marker,
    says: parse
  },
  {
    name: "Config.redacted of Config.integer",
    config: Config.schema(Schema.RedactedFromValue(Schema.Int), "V"),
    value: marker,
    says: parse
  },
  {
    name: "Config.redacted of Config.duration",
    config: Config.schema(Schema.RedactedFromValue(Schema.DurationFromString), "V"),
    value: marker,
    says: /Expected a valid Duration string/
  },
  // Effect 4 combinators Effect 3 did not have.
  { name: "Config.Finite", config: Config.Finite("V"), value: marker, says: parse },
  { name: "Config.ByteSize", config: Config.ByteSize("V"), value: marker, says: /Expected a valid ByteSize string/ },
  { name: "Config.Literal", config: Config.Literal("a", "V"), value: marker, says: /Expected "a"/ },
  {
    name: "Config.schema of a Struct over a whole JSON secret",
    config: Config.schema(Schema.Struct({ port: Schema.FiniteFromString, host: Schema.String }), "V"),
    value: JSON.stringify({ port: marker, host: marker }),
    says: /Expected a finite number/
  },
  {
    name: "Config.unwrap of a struct of Configs",
    config: Config.unwrap({ level: Config.LogLevel("level"), port: Config.Port("port") }).pipe(Config.nested("V")),
    value: JSON.stringify({ level: "Info", port: marker }),
    says: parse
  },
  {
    name: "Config.schema with a check of the user's own whose message quotes the value",
    config: Config.schema(Schema.String.check(Schema.makeFilter((s: string) => `bad ${s}`)), "V"),
    value: marker,
    says: new RegExp(`${rejected.source}[\\s\\S]*${atV.source}`),
    throughRead: true
  },
  // The combinators of the cases above that go through `read`, over Effect's own parsing: plain `yield* config`.
  {
    name: "Config.map over a value Config.Int rejects (plain yield*)",
    config: Config.map(Config.Int("V"), (n) => n + 1),
    value: marker,
    says: parse
  },
  {
    name: "Config.mapEffect over a value Config.Int rejects (plain yield*)",
    config: Config.mapEffect(Config.Int("V"), (n) => Effect.succeed(n + 1)),
    value: marker,
    says: parse
  },
  {
    name: "Config.all then Config.mapEffect, a value Config.Int rejects (plain yield*)",
    config: Config.all([Config.Int("V"), Config.String("W")]).pipe(Config.mapEffect(([v]) => Effect.succeed(v))),
    value: marker,
    mapping: { V: "case", W: "case" },
    says: parse
  },
  {
    name: "Config.flatMap to a value Config.Int rejects, at a fixed path (plain yield*)",
    config: Config.flatMap(Config.String("W"), () => Config.Int("V")),
    value: marker,
    mapping: { V: "case", W: "case" },
    says: parse
  },
  {
    name: "Config.schema of a branded string with Effect's own check (plain yield*)",
    config: Config.schema(Schema.String.check(Schema.isStartingWith("sk-")).pipe(Schema.brand("ApiKey")), "V"),
    value: marker,
    says: /Expected a string starting with "sk-"/
  },
  {
    name: "Config.orElse to a Config.mapEffect over a value Config.Duration rejects (plain yield*)",
    config: Config.orElse(Config.Int("V"), () => Config.mapEffect(Config.Duration("V"), Effect.succeed)),
    value: marker,
    says: /Expected a valid Duration string/
  }
]

// Everything a user sees of a failure: the error's renderings, Effect 4's Schema issue formatters, and the loggers'
// lines (the formatting loggers fed what a logger is given, the console loggers through TestConsole).
const renderings = (error: Config.ConfigError, cause: Cause.Cause<unknown>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const capture = Logger.make((options) => {
      lines.push(
        String(Logger.formatLogFmt.log(options)),
        String(Logger.formatSimple.log(options)),
        String(Logger.formatJson.log(options)),
        JSON.stringify(Logger.formatStructured.log(options))
      )
    })
    const loggers = new Set<Logger.Logger<unknown, unknown>>([
      capture,
      Logger.defaultLogger,
      Logger.consolePretty({ colors: false }),
      Logger.consoleJson
    ])
    yield* Effect.logError("config failed", cause).pipe(Effect.provideService(Logger.CurrentLoggers, loggers))
    const printed = [...yield* TestConsole.logLines, ...yield* TestConsole.errorLines]
    const inner = error.cause
    const issues = Schema.isSchemaError(inner)
      ? [
        SchemaIssue.makeFormatterDefault()(inner.issue),
        JSON.stringify(SchemaIssue.makeFormatterStandardSchemaV1()(inner.issue)),
        util.inspect(inner.issue, { depth: null })
      ]
      : []
    return [
      error.message,
      String(error),
      JSON.stringify(error),
      util.inspect(error, { depth: null }),
      String(inner),
      util.inspect(inner, { depth: null, showHidden: true }),
      Cause.pretty(cause),
      util.inspect(cause, { depth: null }),
      ...Cause.prettyErrors(cause).map((e) => `${e.message}\n${e.stack ?? ""}`),
      ...issues,
      ...lines,
      ...printed.map((line) => typeof line === "string" ? line : util.inspect(line, { depth: null }))
    ]
  })

const failure = (
  options: SecretsConfigProvider.SecretsConfigProviderOptions,
  config: Config.Config<unknown>,
  value: string,
  throughRead = false
) =>
  Effect.gen(function*() {
    const provider = yield* SecretsConfigProvider.make({ fallback: ConfigProvider.fromUnknown({}), ...options })
    const read = throughRead ? SecretsConfigProvider.read(config) : config
    const exit = yield* Effect.exit(read.pipe(withConfigProvider(provider)))
    assert.isTrue(Exit.isFailure(exit), "the read fails")
    if (Exit.isSuccess(exit)) throw new Error("unreachable")
    const error = Cause.findErrorOption(exit.cause)
    // Checked without rendering the cause: a defect's message may quote the value.
    assert.isTrue(Option.isSome(error), "a ConfigError, not a defect")
    if (Option.isNone(error)) throw new Error("unreachable")
    return { error: error.value, cause: exit.cause }
  }).pipe(Effect.provide(SecretsService.layerTest({ case: value })))

describe("SecretsConfigProvider errors quote no secret, whatever Config reads it", () => {
  for (const c of cases) {
    it.effect(`${c.name}: no rendering, log line or message holds the value`, () =>
      Effect.gen(function*() {
        const { cause, error } = yield* failure(
          { mapping: c.mapping ?? { V: "case" } },
          c.config,
          c.value,
          c.throughRead === true
        )
        for (const rendering of yield* renderings(error, cause)) {
          assert.notInclude(rendering, marker)
          // Effect 4's formatter writes an input it was given as ", got <input>" (Effect 3: "but received").
          assert.notInclude(rendering, ", got ")
        }
        assert.match(String(error), c.says)
      }))
  }

  it.effect("a one-character value is not quoted either: the message is replaced, not searched", () =>
    Effect.gen(function*() {
      const configs: ReadonlyArray<Config.Config<unknown>> = [
        Config.Int("V"),
        Config.Duration("V"),
        Config.LogLevel("V"),
        Config.Literals(["a", "b"], "V"),
        Config.schema(Schema.FiniteFromString, "V")
      ]
      for (const config of configs) {
        const { error } = yield* failure({ mapping: { V: "case" } }, config, "Q")
        assert.notInclude(String(error), "Q")
        assert.notInclude(String(error), ", got ")
      }
    }))

  it.effect("a value the fallback gave keeps Effect's message only when no secret was read", () =>
    Effect.gen(function*() {
      const environment = ConfigProvider.fromUnknown({ LOG_LEVEL: "verbose" })
      const provider = yield* SecretsConfigProvider.make({ mapping: { V: "case" }, fallback: environment })
      const error = yield* Effect.flip(Config.LogLevel("LOG_LEVEL").pipe(withConfigProvider(provider)))
      // Effect 4's own message names the expected values and, without `reportInput`, not the one received.
      assert.match(String(error), /Expected "All" \| "Fatal" \| "Error" \| "Warn" \| "Info" \| "Debug"/)
      assert.notInclude(String(error), "verbose")
      const mixed = yield* Effect.flip(
        Config.all([Config.Int("V"), Config.LogLevel("LOG_LEVEL")]).pipe(withConfigProvider(provider))
      )
      assert.notInclude(String(mixed), marker)
      // A secret was read too: which value an error is about cannot be told (a user's check may set any path).
      assert.notInclude(String(mixed), "verbose")
      assert.match(String(mixed), parse)
    }).pipe(Effect.provide(SecretsService.layerTest({ case: marker }))))

  it.effect("a defect with no secret read stays a defect", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ fallback: ConfigProvider.fromUnknown({ N: "x" }) })
      const exit = yield* Effect.exit(Config.map(Config.String("N"), BigInt).pipe(withConfigProvider(provider)))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
    }).pipe(Effect.provide(SecretsService.layerTest({}))))

  it.effect("values that parse are read as they are", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({
        mapping: { D: "d", L: "l", A: "a", "M.k": "n" },
        fallback: ConfigProvider.fromUnknown({})
      })
      const read = Config.all([
        Config.Duration("D"),
        Config.LogLevel("L"),
        Config.Array(Schema.Int, "A"),
        Config.Record(Schema.String, Schema.Int, "M")
      ]).pipe(withConfigProvider(provider))
      const [duration, level, list, map] = yield* read
      assert.strictEqual(Duration.toMillis(duration), 5000)
      assert.strictEqual(level, "Debug")
      assert.deepStrictEqual(list, [1, 2])
      assert.deepStrictEqual(map, { k: 3 })
    }).pipe(Effect.provide(SecretsService.layerTest({ d: "5 seconds", l: "Debug", a: "1,2", n: "3" }))))

  it.effect("through its flattened form (ConfigProvider.orElse), a primitive's error still quotes nothing", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping: { V: "case" } })
      const composed = ConfigProvider.orElse(provider, ConfigProvider.fromUnknown({}))
      const error = yield* Effect.flip(Config.Int("V").pipe(withConfigProvider(composed)))
      assert.notInclude(String(error), marker)
      assert.match(String(error), parse)
    }).pipe(Effect.provide(SecretsService.layerTest({ case: marker }))))
})

// A user's own error, written over several values: its message, path or cause may quote any of them, the secret's
// included. Each case has its own marker, and a secret at `A` (or `DB.A`) with `B` (or `DB.HOST`) from the fallback.
// Such errors are out of any Effect 4 provider's reach: these Configs are read through `SecretsConfigProvider.read`.
describe("SecretsConfigProvider: errors a Config wrote itself, once a secret was read, quote nothing", () => {
  const unique = (tag: string) => `${tag}${Math.random().toString(36).slice(2, 12)}zq9x7w`
  const fallback = ConfigProvider.fromUnknown({ B: "envval", DB: { HOST: "envval" } })
  const read =
    (secret: string, mapping: SecretsConfigProvider.SecretsConfigProviderOptions["mapping"]) =>
    <A>(config: Config.Config<A>) =>
      Effect.gen(function*() {
        const provider = yield* SecretsConfigProvider.make({ mapping, fallback })
        return yield* SecretsConfigProvider.read(config).pipe(withConfigProvider(provider))
      }).pipe(Effect.provide(SecretsService.layerTest({ s: secret })))
  const hidesAll = (secret: string, error: Config.ConfigError, cause: Cause.Cause<unknown>) =>
    Effect.gen(function*() {
      for (const rendering of yield* renderings(error, cause)) {
        // Any 4 characters of the value are enough to leak part of it: its start, end and middle.
        for (const part of [secret, secret.slice(0, 8), secret.slice(-6), secret.slice(3, 9)]) {
          assert.notInclude(rendering, part)
        }
      }
    })
  const failed = <A>(effect: Effect.Effect<A, Config.ConfigError>) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(effect)
      if (Exit.isSuccess(exit)) throw new Error("the read should fail")
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isNone(error)) throw new Error("a ConfigError, not a defect")
      return { error: error.value, cause: exit.cause }
    })

  it.effect("(a) an InvalidData the user put at the fallback's path, quoting both values", () =>
    Effect.gen(function*() {
      const secret = unique("MKa")
      const check = ([a, b]: [string, string]) => Effect.fail(invalid(["B"], `B (${b}) must not equal A (${a})`))
      const top = yield* failed(
        read(secret, { A: "s" })(Config.all([Config.String("A"), Config.String("B")]).pipe(Config.mapEffect(check)))
      )
      yield* hidesAll(secret, top.error, top.cause)
      assert.strictEqual(top.error.cause._tag, "SchemaError")
      assert.include(String(top.error), `at ["B"]`, "the path is kept")

      const nested = yield* failed(
        read(secret, { "DB.A": "s" })(
          Config.all([Config.String("A"), Config.String("HOST")]).pipe(
            Config.mapEffect(([a, host]) => Effect.fail(invalid(["HOST"], `HOST (${host}) must not equal A (${a})`))),
            Config.nested("DB")
          )
        )
      )
      yield* hidesAll(secret, nested.error, nested.cause)
      assert.strictEqual(nested.error.cause._tag, "SchemaError")
      assert.include(String(nested.error), `["HOST"]`)
    }))

  it.effect("(b) a MissingData quoting part of the value stays MissingData, so withDefault still answers", () =>
    Effect.gen(function*() {
      const secret = unique("MKb")
      // Effect 4's absence is said by a path: here one the user built from the value.
      const config = Config.flatMap(Config.String("A"), (s) => Config.String(`host-in-${s.slice(0, 8)}`))
      const { cause, error } = yield* failed(read(secret, { A: "s" })(config))
      yield* hidesAll(secret, error, cause)
      assert.strictEqual(error.cause._tag, "SchemaError")
      assert.match(String(error), /The value is missing/)
      assert.strictEqual(yield* read(secret, { A: "s" })(Config.withDefault(config, "default")), "default")
    }))

  it.effect("(c) a SourceUnavailable loses its cause, which quoted the value", () =>
    Effect.gen(function*() {
      const secret = unique("MKc")
      const { cause, error } = yield* failed(
        read(secret, { A: "s" })(
          Config.mapEffect(
            Config.String("A"),
            (s) =>
              Effect.fail(
                new Config.ConfigError(
                  new ConfigProvider.SourceError({ message: "cannot connect", cause: new Error(`connect ${s}`) })
                )
              )
          )
        )
      )
      yield* hidesAll(secret, error, cause)
      assert.strictEqual(error.cause._tag, "SourceError")
      const inner = error.cause
      for (const part of [secret, secret.slice(0, 8)]) {
        assert.notInclude(util.inspect(inner, { depth: null, showHidden: true }), part)
        assert.notInclude(String(inner.cause), part)
      }
    }))

  it.effect("a path the user wrote keeps only the segments of paths the read asked for", () =>
    Effect.gen(function*() {
      const secret = unique("MKe")
      const { cause, error } = yield* failed(
        read(secret, { "DB.A": "s" })(
          Config.all([Config.String("A"), Config.String("HOST")]).pipe(
            Config.mapEffect(([a]) => Effect.fail(invalid(["HOST", a.slice(0, 8)], "bad"))),
            Config.nested("DB")
          )
        )
      )
      yield* hidesAll(secret, error, cause)
      assert.include(String(error), `["HOST"]["<redacted>"]`)
    }))

  it.effect("(d) composing through the fallback option: after-parse checks quote nothing, fallback values read", () => {
    const secret = unique("MKd")
    return Effect.gen(function*() {
      // The safe way to compose: other providers go in `fallback`.
      const env = ConfigProvider.fromUnknown({ B: "envval", T: "5 seconds" })
      const provider = yield* SecretsConfigProvider.make({ mapping: { A: "s" }, fallback: env })
      const read = <A>(config: Config.Config<A>) => config.pipe(withConfigProvider(provider))
      assert.strictEqual(yield* read(Config.String("B")), "envval")
      assert.strictEqual(Duration.toMillis(yield* read(Config.Duration("T"))), 5000)
      for (
        const config of [
          Config.Duration("A"),
          Config.schema(Schema.FiniteFromString, "A"),
          Config.all([Config.Duration("A"), Config.String("B")])
        ] as ReadonlyArray<Config.Config<unknown>>
      ) {
        const { cause, error } = yield* failed(read(config))
        yield* hidesAll(secret, error, cause)
      }
    }).pipe(Effect.provide(SecretsService.layerTest({ s: secret })))
  })
})
