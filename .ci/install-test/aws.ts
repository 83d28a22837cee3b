// The install test's program for @effect-secrets/aws on its own lowest peers (without @effect-secrets/local, whose
// floors are higher): the secrets full.ts seeds, served by the packed local's bin at SECRETS_ENDPOINT, read through
// AwsSecrets.layer. As full.ts: valid TypeScript and JavaScript, run as .mjs and .cjs and type-checked; prints only
// checks. Keep each import on one line.
import { AwsSecrets } from "@effect-secrets/aws"
import { SecretsService } from "@effect-secrets/core"
import { Effect, Redacted, Schema } from "effect"

const bytes = [0, 1, 2, 254, 255]
const endpoint = process.env["SECRETS_ENDPOINT"] ?? "http://127.0.0.1:4566"

const SecretsLive = AwsSecrets.layer({
  clientConfig: {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" }
  }
})

const program = Effect.gen(function*() {
  const secrets = yield* SecretsService
  const text = yield* secrets.getString("app/string")
  const json = yield* secrets.getJson(
    "app/json",
    Schema.Struct({ user: Schema.String, password: Schema.Redacted(Schema.String) })
  )
  const binary = yield* secrets.getBinary("app/binary")
  const again = yield* secrets.getString("app/string")
  return [
    ["string", Redacted.value(text) === "string-value-1"],
    ["string rendered redacted", String(text) === "<redacted>"],
    ["json", json.user === "app" && Redacted.value(json.password) === "json-password-1"],
    ["binary", Array.from(Redacted.value(binary)).join() === bytes.join()],
    ["cache hit", Redacted.value(again) === "string-value-1"]
  ]
})

Effect.runPromise(program.pipe(Effect.provide(SecretsLive))).then(
  (checks) => {
    for (const [name, ok] of checks) process.stdout.write(`${ok ? "ok" : "MISMATCH"} ${name}\n`)
    process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1
  },
  (error) => {
    // Only the failure's tag: the house rule is that errors carry no value, but this test does not rely on it.
    process.stdout.write(`MISMATCH the program failed: ${String(Object(error)._tag)}\n`)
    process.exitCode = 1
  }
)
