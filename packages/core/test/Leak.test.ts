// No error, message, cause, log line or rendering produced by the library may contain any part of a secret value.
// Every field of the secret below is a unique marker; every rendering of every error is searched for them.
import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Inspectable, Logger, Redacted, Schema } from "effect"
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

// Every way a user (or a logger, or a test runner) might turn an error or a value into text.
const renderings = (u: unknown): Array<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = [
    ["String", String(u)],
    ["JSON.stringify", JSON.stringify(u) ?? ""],
    ["util.inspect", util.inspect(u, { depth: 10, showHidden: true })],
    ["Inspectable.toStringUnknown", Inspectable.toStringUnknown(u)]
  ]
  if (u instanceof Error) {
    out.push(["message", u.message], ["stack", u.stack ?? ""])
    out.push(["Cause.pretty", Cause.pretty(Cause.fail(u))])
  }
  return out
}

// Schemas that fail on each field in a different way: wrong type, refinement, literal, union, missing, tuple.
const failingSchemas: ReadonlyArray<Schema.Schema.AnyNoContext> = [
  Schema.Struct({ username: Schema.Number }),
  Schema.Struct({ password: Schema.Redacted(Schema.Number) }),
  Schema.Struct({ password: Schema.Redacted(Schema.String.pipe(Schema.maxLength(3))) }),
  Schema.Struct({ host: Schema.Literal("localhost") }),
  Schema.Struct({ port: Schema.NumberFromString }),
  Schema.Struct({ token: Schema.Union(Schema.Number, Schema.Boolean) }),
  Schema.Struct({ missing: Schema.String }),
  Schema.Struct({ username: Schema.String.pipe(Schema.pattern(/^admin$/)) }),
  Schema.Struct({ token: Schema.String.pipe(Schema.filter((s) => s.length > 100, { message: (i) => `bad ${i}` })) }),
  Schema.Tuple(Schema.String),
  Schema.Struct({ username: Schema.String }).pipe(Schema.filter(() => false))
]

describe("no secret value leaks", () => {
  it.effect("decode failures of every kind report path and expected type only", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      for (const schema of failingSchemas) {
        const exit = yield* Effect.exit(secrets.getJson("app", schema))
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) {
          assertClean("Cause.pretty(exit)", Cause.pretty(exit.cause))
          assertClean("String(exit)", String(exit))
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
      const capture = Logger.make(({ cause, message }) => {
        logged.push(Inspectable.toStringUnknown(message), Cause.pretty(cause))
      })
      const secrets = yield* SecretsService
      const value = yield* secrets.get("app")
      const string = yield* secrets.getString("app")
      const decoded = yield* secrets.getJson(
        "app",
        Schema.Struct({ username: Schema.Redacted(Schema.String), password: Schema.Redacted(Schema.String) })
      )
      for (const subject of [value, string, decoded]) {
        for (const [label, text] of renderings(subject)) assertClean(label, text)
      }
      yield* Effect.log(value, string, decoded).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
      yield* Effect.logError(Cause.die(value)).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
      assert.isAbove(logged.length, 0)
      for (const line of logged) assertClean("log line", line)
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
