// The install test's program for @effect-secrets/core alone, on the lowest effect it claims: a string, a JSON and a
// binary secret read through SecretsService over TestSecretStore. As full.ts: valid TypeScript and JavaScript, run as
// .mjs and .cjs and type-checked as .ts; prints only checks. Keep each import on one line.
import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import { Effect, Layer, Redacted, Schema } from "effect"

const bytes = [0, 1, 2, 254, 255]
const seed = {
  "app/string": "string-value-1",
  "app/json": JSON.stringify({ user: "app", password: "json-password-1" }),
  "app/binary": new Uint8Array(bytes)
}

const SecretsLive = SecretsService.layer({ timeToLive: "1 minute" }).pipe(
  Layer.provideMerge(TestSecretStore.layer(seed))
)

const program = Effect.gen(function*() {
  const secrets = yield* SecretsService
  const store = yield* TestSecretStore
  const text = yield* secrets.getString("app/string")
  const json = yield* secrets.getJson(
    "app/json",
    Schema.Struct({ user: Schema.String, password: Schema.Redacted(Schema.String) })
  )
  const binary = yield* secrets.getBinary("app/binary")
  const again = yield* secrets.getString("app/string")
  const fetches = yield* store.fetchCount()
  return [
    ["string", Redacted.value(text) === "string-value-1"],
    ["string rendered redacted", String(text) === "<redacted>"],
    ["json", json.user === "app" && Redacted.value(json.password) === "json-password-1"],
    ["binary", Array.from(Redacted.value(binary)).join() === bytes.join()],
    ["cache hit", Redacted.value(again) === "string-value-1"],
    ["one fetch per secret", fetches === 3]
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
