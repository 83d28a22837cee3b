import { Effect, Layer, Redacted, Duration } from "effect"
import { SecretsService, SecretStore } from "@effect-secrets/core"
const value = { secretId: "db", name: "db", arn: "", versionId: "v", versionStages: [], kind: "string" as const, value: Redacted.make("x") }
const store = Layer.succeed(SecretStore, SecretStore.of({ fetch: () => Effect.succeed(value) }))
const N = 1_000_000
const time = (label: string, f: () => Effect.Effect<unknown>) => Effect.gen(function*() {
  for (let r = 0; r < 4; r++) {
    const t = process.hrtime.bigint()
    yield* f()
    const ns = Number(process.hrtime.bigint() - t) / N
    if (r > 0) console.log(label, ns.toFixed(1))
  }
})
await Effect.runPromise(Effect.gen(function*() {
  const s = yield* SecretsService
  yield* s.get("db")
  yield* time("gen fresh", () => Effect.gen(function*() { for (let i = 0; i < N; i++) yield* s.getString("db") }))
  const read = s.getString("db")
  yield* time("built once", () => Effect.gen(function*() { for (let i = 0; i < N; i++) yield* read }))
  yield* time("map (no gen)", () => Effect.repeatN(Effect.map(s.getString("db"), (x) => x), N - 1))
  const m = new Map([["db", { e: 1e30 }]])
  const t = process.hrtime.bigint(); let h = 0
  for (let i = 0; i < N; i++) { const e = m.get("db"); if (e && Number(process.hrtime.bigint()) < e.e) h++ }
  console.log("map+hrtime", (Number(process.hrtime.bigint() - t) / N).toFixed(1))
}).pipe(Effect.provide(SecretsService.layer({ timeToLive: Duration.hours(1), refreshAhead: 1 }).pipe(Layer.provide(store)))))
