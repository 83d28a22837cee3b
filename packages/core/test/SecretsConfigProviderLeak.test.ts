import { SecretsConfigProvider, SecretsService } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import {
  Brand,
  Cause,
  Config,
  ConfigError,
  ConfigProvider,
  Effect,
  Either,
  Exit,
  HashMap,
  Logger,
  Option,
  Schema
} from "effect"
import * as util from "node:util"

// A value no message could hold by chance: wherever it shows up, a secret leaked.
const marker = `MARKER-${Math.random().toString(36).slice(2, 10)}`

type Branded = string & Brand.Brand<"ApiKey">
const ApiKey = Brand.refined<Branded>(
  (s) => s.startsWith("sk-"),
  (s) => Brand.error(`Expected ${s} to start with sk-`)
)

interface Case {
  readonly name: string
  readonly config: Config.Config<unknown>
  /** The secret the path `V` reads (or the one `mapping` names). */
  readonly value: string
  readonly mapping?: SecretsConfigProvider.SecretsConfigProviderOptions["mapping"]
  /** What the error should say instead. */
  readonly says: RegExp
}

const parse = /does not parse: expected/
// Any error the provider did not write, in a read that read a secret, is rebuilt from its kind and path.
const rejected = /The value is invalid \(its message is not shown: this Config also read a secret/

// Every built-in combinator that parses or checks text, and the user's own checks, over a secret that fails them.
const cases: ReadonlyArray<Case> = [
  { name: "Config.integer", config: Config.integer("V"), value: marker, says: /expected an integer property/ },
  { name: "Config.number", config: Config.number("V"), value: marker, says: /expected a number property/ },
  { name: "Config.boolean", config: Config.boolean("V"), value: marker, says: /expected a boolean property/ },
  { name: "Config.date", config: Config.date("V"), value: `not a date ${marker}`, says: /expected a date property/ },
  { name: "Config.url", config: Config.url("V"), value: marker, says: /expected an URL property/ },
  { name: "Config.port", config: Config.port("V"), value: marker, says: /expected a network port property/ },
  { name: "Config.literal", config: Config.literal("a", "b")("V"), value: marker, says: /expected one of \(a, b\)/ },
  { name: "Config.logLevel", config: Config.logLevel("V"), value: marker, says: /expected a log level/ },
  { name: "Config.duration", config: Config.duration("V"), value: marker, says: /expected a duration/ },
  {
    name: "Config.duration over a whole JSON secret mapped by mistake",
    config: Config.duration("V"),
    value: JSON.stringify({ username: "app", password: marker }),
    says: /expected a duration/
  },
  {
    name: "Config.duration over the wrong field of a JSON secret",
    config: Config.duration("V"),
    value: JSON.stringify({ timeout: marker }),
    mapping: { V: { secretId: "case", field: "timeout" } },
    says: /expected a duration/
  },
  {
    name: "Config.nested over a mapped JSON secret",
    config: Config.nested(Config.logLevel("level"), "V"),
    value: JSON.stringify({ level: marker }),
    says: /expected a log level/
  },
  { name: "Config.branded", config: Config.branded("V", ApiKey), value: marker, says: rejected },
  {
    name: "Schema.Config (NumberFromString)",
    config: Schema.Config("V", Schema.NumberFromString),
    value: marker,
    says: rejected
  },
  {
    name: "Schema.Config (a refinement)",
    config: Schema.Config("V", Schema.String.pipe(Schema.minLength(100))),
    value: marker,
    says: rejected
  },
  {
    name: "Config.validate (the user's message is replaced too)",
    config: Config.validate(Config.string("V"), {
      message: "must start with sk-",
      validation: (s) => s.startsWith("sk-")
    }),
    value: marker,
    says: rejected
  },
  {
    name: "Config.mapAttempt",
    config: Config.mapAttempt(Config.string("V"), (s) => {
      throw new Error(`cannot use ${s}`)
    }),
    value: marker,
    says: rejected
  },
  {
    name: "Config.mapOrFail with the user's InvalidData at a path of its own",
    config: Config.all([Config.string("V"), Config.string("W")]).pipe(
      Config.mapOrFail(([v]) => Either.left(ConfigError.InvalidData(["x"], `bad ${v}`)))
    ),
    value: marker,
    mapping: { V: "case", W: "case" },
    says: rejected
  },
  {
    name: "Config.mapOrFail with the user's MissingData quoting the value",
    config: Config.mapOrFail(Config.string("V"), (s) => Either.left(ConfigError.MissingData([], `no ${s}`))),
    value: marker,
    says: /Missing data at V: "The value is missing \(its message is not shown/
  },
  {
    name: "Config.map over a function that throws",
    config: Config.map(Config.string("V"), BigInt),
    value: marker,
    says: /threw/
  },
  {
    name: "Config.array of integers, a part",
    config: Config.array(Config.integer(), "V"),
    value: `1, ${marker}`,
    says: parse
  },
  {
    name: "Config.array of durations, a part",
    config: Config.array(Config.duration(), "V"),
    value: `1 second, ${marker} `,
    says: /expected a duration/
  },
  { name: "Config.chunk", config: Config.chunk(Config.number(), "V"), value: `${marker},2`, says: parse },
  { name: "Config.hashSet", config: Config.hashSet(Config.port(), "V"), value: `80, ${marker}`, says: parse },
  {
    name: "Config.hashMap",
    config: Config.hashMap(Config.integer(), "V"),
    value: marker,
    mapping: { "V.k": "case" },
    says: parse
  },
  { name: "Config.withDefault", config: Config.withDefault(Config.integer("V"), 1), value: marker, says: parse },
  { name: "Config.option", config: Config.option(Config.duration("V")), value: marker, says: /expected a duration/ },
  {
    name: "Config.orElse",
    config: Config.orElse(Config.integer("V"), () => Config.duration("V")),
    value: marker,
    says: /expected a duration/
  },
  {
    name: "Config.all",
    config: Config.all([Config.integer("V"), Config.logLevel("V")]),
    value: marker,
    says: /expected a log level/
  },
  {
    name: "Config.redacted of Config.integer",
    config: Config.redacted(Config.integer("V")),
    value: marker,
    says: /redacted/
  },
  {
    name: "Config.redacted of Config.duration",
    config: Config.redacted(Config.duration("V")),
    value: marker,
    says: /redacted/
  }
]

// Everything a user sees of a failure: the error's renderings, and the default loggers' lines.
const renderings = (error: ConfigError.ConfigError, cause: Cause.Cause<unknown>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const capture = Logger.make((options) => {
      lines.push(Logger.logfmtLogger.log(options), Logger.stringLogger.log(options), Logger.jsonLogger.log(options))
      lines.push(JSON.stringify(Logger.structuredLogger.log(options)))
    })
    yield* Effect.logError("config failed", cause).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
    return [
      error.message,
      String(error),
      JSON.stringify(error),
      util.inspect(error, { depth: null }),
      Cause.pretty(cause),
      util.inspect(cause, { depth: null }),
      ...lines
    ]
  })

const failure = (
  options: SecretsConfigProvider.SecretsConfigProviderOptions,
  config: Config.Config<unknown>,
  value: string
) =>
  Effect.gen(function*() {
    const provider = yield* SecretsConfigProvider.make({ fallback: ConfigProvider.fromMap(new Map()), ...options })
    const exit = yield* Effect.exit(Effect.withConfigProvider(config, provider))
    assert.isTrue(Exit.isFailure(exit), "the read fails")
    if (Exit.isSuccess(exit)) throw new Error("unreachable")
    const error = Cause.failureOption(exit.cause)
    assert.isTrue(error._tag === "Some", `a ConfigError, not a defect: ${Cause.pretty(exit.cause)}`)
    if (error._tag === "None") throw new Error("unreachable")
    return { error: error.value, cause: exit.cause }
  }).pipe(Effect.provide(SecretsService.layerTest({ case: value })))

// The leaf messages of an error, `And`s and `Or`s flattened.
const messages = (error: ConfigError.ConfigError): ReadonlyArray<string> =>
  error._op === "And" || error._op === "Or" ? [...messages(error.left), ...messages(error.right)] : [error.message]

describe("SecretsConfigProvider errors quote no secret, whatever Config reads it", () => {
  for (const c of cases) {
    it.effect(`${c.name}: no rendering, log line or message holds the value`, () =>
      Effect.gen(function*() {
        const { cause, error } = yield* failure({ mapping: c.mapping ?? { V: "case" } }, c.config, c.value)
        for (const rendering of yield* renderings(error, cause)) {
          assert.notInclude(rendering, marker)
          assert.notInclude(rendering, "received")
        }
        assert.match(String(error), c.says)
      }))
  }

  it.effect("a one-character value is not quoted either: the message is replaced, not searched", () =>
    Effect.gen(function*() {
      const configs = [
        Config.integer("V"),
        Config.duration("V"),
        Config.logLevel("V"),
        Config.literal("a", "b")("V"),
        Schema.Config("V", Schema.NumberFromString)
      ]
      for (const config of configs) {
        const { error } = yield* failure({ mapping: { V: "case" } }, config, "Q")
        assert.notInclude(String(error), "Q")
        assert.notInclude(String(error), "received")
      }
    }))

  it.effect("a value the fallback gave keeps Effect's message only when no secret was read", () =>
    Effect.gen(function*() {
      const environment = ConfigProvider.fromMap(new Map([["LOG_LEVEL", "verbose"]]))
      const provider = yield* SecretsConfigProvider.make({ mapping: { V: "case" }, fallback: environment })
      const error = yield* Effect.flip(Effect.withConfigProvider(Config.logLevel("LOG_LEVEL"), provider))
      assert.match(String(error), /Expected a log level but received "verbose"/)
      const mixed = yield* Effect.flip(
        Effect.withConfigProvider(Config.all([Config.integer("V"), Config.logLevel("LOG_LEVEL")]), provider)
      )
      assert.deepStrictEqual(messages(mixed).length, 2)
      assert.notInclude(String(mixed), marker)
      // A secret was read too: which value an error is about cannot be told (a user's check may set any path).
      assert.notInclude(String(mixed), "verbose")
      assert.match(String(mixed), /Invalid data at LOG_LEVEL: "The value does not parse: expected a log level"/)
    }).pipe(Effect.provide(SecretsService.layerTest({ case: marker }))))

  it.effect("a defect with no secret read stays a defect", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ fallback: ConfigProvider.fromMap(new Map([["N", "x"]])) })
      const exit = yield* Effect.exit(Effect.withConfigProvider(Config.map(Config.string("N"), BigInt), provider))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
    }).pipe(Effect.provide(SecretsService.layerTest({}))))

  it.effect("values that parse are read as they are", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({
        mapping: { D: "d", L: "l", A: "a", "M.k": "n" },
        fallback: ConfigProvider.fromMap(new Map())
      })
      const read = Effect.withConfigProvider(
        Config.all([
          Config.duration("D"),
          Config.logLevel("L"),
          Config.array(Config.integer(), "A"),
          Config.hashMap(Config.integer(), "M")
        ]),
        provider
      )
      const [duration, level, list, map] = yield* read
      assert.strictEqual(duration.toString(), "Duration(5s)")
      assert.strictEqual(level.label, "DEBUG")
      assert.deepStrictEqual(list, [1, 2])
      assert.deepStrictEqual(HashMap.get(map, "k"), Option.some(3))
    }).pipe(Effect.provide(SecretsService.layerTest({ d: "5 seconds", l: "debug", a: "1, 2", n: "3" }))))

  it.effect("through its flattened form (ConfigProvider.orElse), a primitive's error still quotes nothing", () =>
    Effect.gen(function*() {
      const provider = yield* SecretsConfigProvider.make({ mapping: { V: "case" } })
      const composed = ConfigProvider.orElse(provider, () => ConfigProvider.fromMap(new Map()))
      const error = yield* Effect.flip(Effect.withConfigProvider(Config.integer("V"), composed))
      assert.notInclude(String(error), marker)
      assert.match(String(error), /does not parse/)
    }).pipe(Effect.provide(SecretsService.layerTest({ case: marker }))))
})

// A user's own error, written over several values: its message, path or cause may quote any of them, the secret's
// included. Each case has its own marker, and a secret at `A` (or `DB.A`) with `B` (or `DB.HOST`) from the fallback.
describe("SecretsConfigProvider: errors a Config wrote itself, once a secret was read, quote nothing", () => {
  const unique = (tag: string) => `${tag}${Math.random().toString(36).slice(2, 12)}zq9x7w`
  const fallback = ConfigProvider.fromMap(new Map([["B", "envval"], ["DB.HOST", "envval"]]))
  const read =
    (secret: string, mapping: SecretsConfigProvider.SecretsConfigProviderOptions["mapping"]) =>
    <A>(config: Config.Config<A>) =>
      Effect.gen(function*() {
        const provider = yield* SecretsConfigProvider.make({ mapping, fallback })
        return yield* Effect.withConfigProvider(config, provider)
      }).pipe(Effect.provide(SecretsService.layerTest({ s: secret })))
  const hidesAll = (secret: string, error: ConfigError.ConfigError, cause: Cause.Cause<unknown>) =>
    Effect.gen(function*() {
      for (const rendering of yield* renderings(error, cause)) {
        // Any 4 characters of the value are enough to leak part of it: its start, end and middle.
        for (const part of [secret, secret.slice(0, 8), secret.slice(-6), secret.slice(3, 9)]) {
          assert.notInclude(rendering, part)
        }
      }
    })
  const failed = <A>(effect: Effect.Effect<A, ConfigError.ConfigError>) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(effect)
      if (Exit.isSuccess(exit)) throw new Error("the read should fail")
      const error = Cause.failureOption(exit.cause)
      if (error._tag === "None") throw new Error(`a ConfigError, not a defect: ${Cause.pretty(exit.cause)}`)
      return { error: error.value, cause: exit.cause }
    })

  it.effect("(a) an InvalidData the user put at the fallback's path, quoting both values", () =>
    Effect.gen(function*() {
      const secret = unique("MKa")
      const check = ([a, b]: [string, string]) =>
        Either.left(ConfigError.InvalidData(["B"], `B (${b}) must not equal A (${a})`))
      const top = yield* failed(
        read(secret, { A: "s" })(Config.all([Config.string("A"), Config.string("B")]).pipe(Config.mapOrFail(check)))
      )
      yield* hidesAll(secret, top.error, top.cause)
      assert.strictEqual(top.error._op, "InvalidData")
      assert.deepStrictEqual(top.error._op === "InvalidData" && top.error.path, ["B"], "the path is kept")

      const nested = yield* failed(
        read(secret, { "DB.A": "s" })(
          Config.all([Config.string("A"), Config.string("HOST")]).pipe(
            Config.mapOrFail(([a, host]) =>
              Either.left(ConfigError.InvalidData(["HOST"], `HOST (${host}) must not equal A (${a})`))
            ),
            Config.nested("DB")
          )
        )
      )
      yield* hidesAll(secret, nested.error, nested.cause)
      assert.strictEqual(nested.error._op, "InvalidData")
      assert.match(String(nested.error), /^\(?Invalid data at DB\.HOST: /)
    }))

  it.effect("(b) a MissingData quoting part of the value stays MissingData, so withDefault still answers", () =>
    Effect.gen(function*() {
      const secret = unique("MKb")
      const config = Config.mapOrFail(
        Config.string("A"),
        (s) => Either.left(ConfigError.MissingData([], `no host in ${s.slice(0, 8)}`))
      )
      const { cause, error } = yield* failed(read(secret, { A: "s" })(config))
      yield* hidesAll(secret, error, cause)
      assert.isTrue(ConfigError.isMissingDataOnly(error))
      assert.strictEqual(yield* read(secret, { A: "s" })(Config.withDefault(config, "default")), "default")
    }))

  it.effect("(c) a SourceUnavailable loses its cause, which quoted the value", () =>
    Effect.gen(function*() {
      const secret = unique("MKc")
      const { cause, error } = yield* failed(
        read(secret, { A: "s" })(
          Config.mapOrFail(
            Config.string("A"),
            (s) =>
              Either.left(ConfigError.SourceUnavailable([], "cannot connect", Cause.fail(new Error(`connect ${s}`))))
          )
        )
      )
      yield* hidesAll(secret, error, cause)
      assert.strictEqual(error._op, "SourceUnavailable")
      if (error._op === "SourceUnavailable") yield* hidesAll(secret, error, error.cause)
    }))

  it.effect("a path the user wrote keeps only the segments of paths the read asked for", () =>
    Effect.gen(function*() {
      const secret = unique("MKe")
      const { cause, error } = yield* failed(
        read(secret, { "DB.A": "s" })(
          Config.all([Config.string("A"), Config.string("HOST")]).pipe(
            Config.mapOrFail(([a]) => Either.left(ConfigError.InvalidData(["HOST", a.slice(0, 8)], "bad"))),
            Config.nested("DB")
          )
        )
      )
      yield* hidesAll(secret, error, cause)
      assert.deepStrictEqual(error._op === "InvalidData" && error.path, ["DB", "HOST", "<redacted>"])
    }))

  it.effect("(d) composing through the fallback option: after-parse checks quote nothing, fallback values read", () => {
    const secret = unique("MKd")
    return Effect.gen(function*() {
      // The safe way to compose: other providers go in `fallback`. `ConfigProvider.orElse(provider, ...)`,
      // `constantCase`, `nested` and `mapInputPath` build on `flattened`, where checks run after the parse (Config.duration,
      // Schema.Config, mapOrFail) are out of the provider's reach: the JSDoc and README say so.
      const env = ConfigProvider.fromMap(new Map([["B", "envval"], ["T", "5 seconds"]]))
      const provider = yield* SecretsConfigProvider.make({ mapping: { A: "s" }, fallback: env })
      const read = <A>(config: Config.Config<A>) => Effect.withConfigProvider(config, provider)
      assert.strictEqual(yield* read(Config.string("B")), "envval")
      assert.strictEqual((yield* read(Config.duration("T"))).toString(), "Duration(5s)")
      for (
        const config of [
          Config.duration("A"),
          Schema.Config("A", Schema.NumberFromString),
          Config.all([Config.duration("A"), Config.string("B")])
        ] as ReadonlyArray<Config.Config<unknown>>
      ) {
        const { cause, error } = yield* failed(read(config))
        yield* hidesAll(secret, error, cause)
      }
    }).pipe(Effect.provide(SecretsService.layerTest({ s: secret })))
  })
})
