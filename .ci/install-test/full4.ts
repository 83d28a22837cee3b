// The install test's program for the Effect 4 line (1.x), as a user writes it against the packed packages: the
// local endpoint seeded with a
// string, a JSON and a binary secret, read through AwsSecrets.layer. It prints only checks, never a value, and exits
// non-zero on any mismatch. Valid TypeScript and JavaScript at once: install-test.sh runs it as .mjs, as .cjs (its
// imports turned into require calls) and type-checks it as .ts. Keep each import on one line.
import { AwsSecrets } from "@effect-secrets/aws"
import { SecretsService } from "@effect-secrets/core"
import { LocalSecretsManager } from "@effect-secrets/local"
import { Effect, Layer, Redacted, Schema } from "effect"

const bytes = [0, 1, 2, 254, 255]
const seed = {
  "app/string": "string-value-1",
  "app/json": JSON.stringify({ user: "app", password: "json-password-1" }),
  "app/binary": new Uint8Array(bytes)
}

const SecretsLive = Layer.unwrap(
  LocalSecretsManager.useSync((local) => AwsSecrets.layer({ clientConfig: local.clientConfig }))
).pipe(Layer.provideMerge(LocalSecretsManager.layer({ secrets: seed })))

const program = Effect.gen(function*() {
  const secrets = yield* SecretsService
  const local = yield* LocalSecretsManager
  const text = yield* secrets.getString("app/string")
  const json = yield* secrets.getJson(
    "app/json",
    Schema.Struct({ user: Schema.String, password: Schema.RedactedFromValue(Schema.String) })
  )
  const binary = yield* secrets.getBinary("app/binary")
  const again = yield* secrets.getString("app/string")
  const calls = yield* local.calls("GetSecretValue")
  return [
    ["string", Redacted.value(text) === "string-value-1"],
    ["string rendered redacted", String(text) === "<redacted>"],
    ["json", json.user === "app" && Redacted.value(json.password) === "json-password-1"],
    ["binary", Array.from(Redacted.value(binary)).join() === bytes.join()],
    ["cache hit", Redacted.value(again) === "string-value-1"],
    ["one GetSecretValue per secret", calls === 3]
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
