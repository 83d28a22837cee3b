import { SecretDecodeError, SecretsService } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"

const DatabaseCredentials = Schema.Struct({
  username: Schema.String,
  // Effect 4: `Schema.RedactedFromValue` decodes a plain JSON string into a Redacted (`Schema.Redacted` expects one).
  password: Schema.RedactedFromValue(Schema.String),
  port: Schema.Number,
  replicas: Schema.optional(Schema.Array(Schema.Struct({ host: Schema.String })))
})

const read = <A>(json: string, schema: Schema.Decoder<A>) =>
  Effect.flatMap(SecretsService, (secrets) => secrets.getJson("db", schema)).pipe(
    Effect.provide(SecretsService.layerTest({ db: json }, { jitter: 0 }))
  )

const decodeError = <A>(json: string, schema: Schema.Decoder<A>) =>
  Effect.flatMap(
    Effect.flip(read(json, schema)),
    (error) =>
      error instanceof SecretDecodeError ? Effect.succeed(error) : Effect.die(new Error(`unexpected ${error._tag}`))
  )

describe("getJson", () => {
  it.effect("decodes the SecretString with an effect Schema; Schema.RedactedFromValue fields come back Redacted", () =>
    Effect.gen(function*() {
      const credentials = yield* read(
        JSON.stringify({ username: "app", password: "hunter2", port: 5432 }),
        DatabaseCredentials
      )
      assert.strictEqual(credentials.username, "app")
      assert.isTrue(Redacted.isRedacted(credentials.password))
      assert.strictEqual(Redacted.value(credentials.password), "hunter2")
      assert.strictEqual(String(credentials.password), "<redacted>")
    }))

  it.effect("a value of the wrong type is reported by path and expected type", () =>
    Effect.gen(function*() {
      const error = yield* decodeError(
        JSON.stringify({ username: "app", password: "hunter2", port: "5432" }),
        DatabaseCredentials
      )
      assert.deepStrictEqual(error.path, ["port"])
      assert.strictEqual(error.expected, "number")
      assert.strictEqual(error.message, "Secret \"db\" could not be decoded at [\"port\"]: expected number")
    }))

  it.effect("a nested path and a missing field are reported", () =>
    Effect.gen(function*() {
      const nested = yield* decodeError(
        JSON.stringify({ username: "app", password: "x", port: 1, replicas: [{ host: "a" }, { host: 7 }] }),
        DatabaseCredentials
      )
      assert.deepStrictEqual(nested.path, ["replicas", 1, "host"])
      const missing = yield* decodeError(JSON.stringify({ username: "app", port: 1 }), DatabaseCredentials)
      assert.deepStrictEqual(missing.path, ["password"])
      assert.match(missing.expected, /missing/)
    }))

  it.effect("text that is not JSON is a decode error that does not quote the text", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("{\"password\": hunter2", DatabaseCredentials)
      assert.deepStrictEqual(error.path, [])
      assert.strictEqual(error.expected, "a JSON document")
      assert.notInclude(error.message, "hunter2")
    }))

  it.effect("refinements report what they expect", () =>
    Effect.gen(function*() {
      const error = yield* decodeError(
        JSON.stringify({ token: "short" }),
        Schema.Struct({ token: Schema.RedactedFromValue(Schema.String.check(Schema.isMinLength(32))) })
      )
      assert.deepStrictEqual(error.path, ["token"])
      assert.match(error.expected, /32/)
    }))
})
