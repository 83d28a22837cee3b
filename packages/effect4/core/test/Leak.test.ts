// No error, message, cause, log line or rendering produced by the library may contain any part of a secret value.
// Every field of the secret below is a unique marker; every rendering of every error is searched for them.
import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import {
  Cause,
  Effect,
  Exit,
  Formatter,
  Inspectable,
  Logger,
  Redacted,
  Schema,
  SchemaIssue,
  SchemaTransformation
} from "effect"
import { TestConsole } from "effect/testing"
import * as util from "node:util"

const markers = {
  username: "MRKuser7Q2",
  password: "MRKpass9Z4",
  host: "MRKhost3K8",
  port: "MRKport5W1",
  token: "MRKtoken6J3"
}
const secretJson = JSON.stringify(markers)
const parts = Object.values(markers).flatMap((marker) => [marker, marker.slice(3)])

const assertClean = (label: string, rendering: string) => {
  for (const part of parts) {
    assert.notInclude(rendering, part, `${label} leaks ${part}`)
  }
}

// Every way a user (or a logger, or a test runner) might turn an error or a value into text, Effect 4's own
// formatters (`Formatter.format`, which Schema issues and ConfigProvider use, and `Cause.prettyErrors`) included.
const renderings = (u: unknown): Array<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = [
    ["String", String(u)],
    ["JSON.stringify", JSON.stringify(u) ?? ""],
    ["util.inspect", util.inspect(u, { depth: 10, showHidden: true })],
    ["Inspectable.toStringUnknown", Inspectable.toStringUnknown(u)],
    ["Formatter.format", Formatter.format(u)],
    ["Formatter.formatJson", Formatter.formatJson(u)]
  ]
  // Effect 4's errors are Schemas: what an RPC or a persistence layer would send of one, its cause included.
  const constructor = typeof u === "object" && u !== null ? u.constructor : undefined
  if (Schema.isSchema(constructor)) {
    const codec = Schema.toCodecJson(constructor as Schema.Codec<unknown, unknown>)
    out.push(["Schema encoding", JSON.stringify(Schema.encodeUnknownSync(codec)(u))])
  }
  if (u instanceof Error) {
    out.push(["message", u.message], ["stack", u.stack ?? ""])
    out.push(["Cause.pretty", Cause.pretty(Cause.fail(u))])
    out.push([
      "Cause.prettyErrors",
      Cause.prettyErrors(Cause.fail(u)).map((e) => `${e.message}\n${e.stack ?? ""}\n${util.inspect(e)}`).join("\n")
    ])
  }
  return out
}

// Schemas that fail on each field in a different way: wrong type, refinement, literal, union, missing, tuple.
// Effect 4's `NumberFromString` decodes any text (to NaN): `FiniteFromString` is the one that rejects a marker.
const failingSchemas: ReadonlyArray<Schema.Decoder<unknown>> = [
  Schema.Struct({ username: Schema.Number }),
  Schema.Struct({ password: Schema.RedactedFromValue(Schema.Number) }),
  Schema.Struct({ password: Schema.RedactedFromValue(Schema.String.check(Schema.isMaxLength(3))) }),
  Schema.Struct({ host: Schema.Literal("localhost") }),
  Schema.Struct({ port: Schema.FiniteFromString }),
  Schema.Struct({ token: Schema.Union([Schema.Number, Schema.Boolean]) }),
  Schema.Struct({ missing: Schema.String }),
  Schema.Struct({ username: Schema.String.check(Schema.isPattern(/^admin$/)) }),
  Schema.Struct({ token: Schema.String.check(Schema.makeFilter((s: string) => s.length > 100 || `bad ${s}`)) }),
  Schema.Tuple([Schema.String]),
  Schema.Struct({ username: Schema.String }).check(Schema.makeFilter(() => false)),
  // Renderings new in Effect 4. A filter's issue at a path of its own, built from the value.
  Schema.Struct({ token: Schema.String.check(Schema.makeFilter((s: string) => ({ path: [s], issue: `bad ${s}` }))) }),
  // A check's own issue carrying the input (as `reportInput` would) and quoting it in `expected` and `message`.
  Schema.Struct({
    password: Schema.String.check(
      Schema.makeFilter((s: string) => new SchemaIssue.InvalidValue({ expected: `not ${s}`, message: `bad ${s}` }, s))
    )
  }),
  // A transformation failing with such an issue.
  Schema.Struct({
    host: Schema.String.pipe(
      Schema.decodeTo(
        Schema.Number,
        SchemaTransformation.transformEffect({
          decode: (s: string) =>
            Effect.fail(new SchemaIssue.InvalidValue({ expected: `a host other than ${s}`, message: `bad ${s}` }, s)),
          encode: (n: number) => Effect.succeed(String(n))
        })
      )
    )
  }),
  // A transformation that throws with the value in its message.
  Schema.Struct({
    token: Schema.String.pipe(
      Schema.decodeTo(
        Schema.BigInt,
        SchemaTransformation.transform({ decode: (s: string) => BigInt(s), encode: (b: bigint) => String(b) })
      )
    )
  }),
  // Built-in parsers over text: JSON.parse, new URL and BigInt quote their input in their own errors.
  Schema.Struct({ token: Schema.fromJsonString(Schema.Unknown) }),
  Schema.Struct({ host: Schema.URLFromString }),
  Schema.Struct({ port: Schema.BigIntFromString }),
  Schema.Struct({ username: Schema.DateFromString })
]

describe("no secret value leaks", () => {
  it.effect("decode failures of every kind report path and expected type only", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      for (const schema of failingSchemas) {
        const exit = yield* Effect.exit(secrets.getJson("app", schema))
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) {
          assert.isFalse(Cause.hasDies(exit.cause), `a typed error, not a defect: ${Cause.pretty(exit.cause)}`)
          assertClean("Cause.pretty(exit)", Cause.pretty(exit.cause))
          assertClean("String(exit)", String(exit))
          assertClean("util.inspect(exit)", util.inspect(exit, { depth: 10 }))
          const error = Cause.squash(exit.cause)
          for (const [label, text] of renderings(error)) assertClean(label, text)
        }
      }
    }).pipe(Effect.provide(SecretsService.layerTest({ app: secretJson }))))

  it.effect("invalid JSON holding a marker is reported without the text", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const error = yield* Effect.flip(secrets.getJson("broken", Schema.Unknown))
      for (const [label, text] of renderings(error)) assertClean(label, text)
    }).pipe(Effect.provide(SecretsService.layerTest({ broken: `{"password": ${markers.password}` }))))

  it.effect("values, decoded structs and SecretValues render as <redacted>, in logs too", () =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      // Effect 4's formatting loggers, fed what a logger is given; its console loggers print through TestConsole.
      const capture = Logger.make((options) => {
        logged.push(Inspectable.toStringUnknown(options.message), Cause.pretty(options.cause))
        logged.push(
          String(Logger.formatSimple.log(options)),
          String(Logger.formatLogFmt.log(options)),
          JSON.stringify(Logger.formatStructured.log(options)),
          String(Logger.formatJson.log(options))
        )
      })
      const loggers = new Set<Logger.Logger<unknown, unknown>>([
        capture,
        Logger.defaultLogger,
        Logger.consolePretty({ colors: false }),
        Logger.consoleLogFmt,
        Logger.consoleStructured,
        Logger.consoleJson
      ])
      const secrets = yield* SecretsService
      const value = yield* secrets.get("app")
      const string = yield* secrets.getString("app")
      const decoded = yield* secrets.getJson(
        "app",
        Schema.Struct({
          username: Schema.RedactedFromValue(Schema.String),
          password: Schema.RedactedFromValue(Schema.String)
        })
      )
      for (const subject of [value, string, decoded]) {
        for (const [label, text] of renderings(subject)) assertClean(label, text)
      }
      yield* Effect.log(value, string, decoded).pipe(Effect.provideService(Logger.CurrentLoggers, loggers))
      yield* Effect.logError(Cause.die(value)).pipe(Effect.provideService(Logger.CurrentLoggers, loggers))
      const printed = [...yield* TestConsole.logLines, ...yield* TestConsole.errorLines]
      assert.isAbove(logged.length, 0)
      assert.isAbove(printed.length, 0, "the console loggers printed")
      for (const line of logged) assertClean("log line", line)
      for (const line of printed) assertClean("console line", typeof line === "string" ? line : util.inspect(line))
      assert.strictEqual(Redacted.value(string), secretJson, "while the caller can still unwrap it")
    }).pipe(Effect.provide(SecretsService.layerTest({ app: secretJson }))))

  it.effect("store failures, stale reads and stats carry no value", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      yield* secrets.get("app")
      for (const failure of ["throttled", "unavailable", "accessDenied"] as const) {
        yield* store.failNext("app", failure)
        const error = yield* Effect.flip(secrets.refresh("app"))
        for (const [label, text] of renderings(error)) assertClean(label, text)
      }
      yield* store.remove("app")
      const notFound = yield* Effect.flip(secrets.refresh("app"))
      for (const [label, text] of renderings(notFound)) assertClean(label, text)
      assertClean("stats", JSON.stringify(yield* secrets.stats))
    }).pipe(Effect.provide(SecretsService.layerTest({ app: secretJson }))))
})
