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
const rejected = /rejected by a Config check, brand or schema/

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
    says: /not shown: it quoted a value read from a secret/
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

  it.effect("a value the fallback gave keeps Effect's message: only secrets' values are hidden", () =>
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
      assert.include(String(mixed), "verbose")
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
