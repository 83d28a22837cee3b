// The quickstart, narrated: what the cache does for a service that reads a secret on every request.
import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import { Console, Effect, Redacted, Schema } from "effect"

// How the demo's secrets look. `Schema.Redacted` keeps the password out of every log line.
const DatabaseCredentials = Schema.Struct({
  username: Schema.String,
  password: Schema.Redacted(Schema.String),
  host: Schema.String,
  port: Schema.Number
})

export const timeToLive = "2 seconds"

// The embedded default: an in-memory store seeded with two secrets, behind the real cache.
export const DemoLive = SecretsService.layerTest(
  {
    "prod/api-key": "key-v1",
    "prod/db": JSON.stringify({ username: "app", password: "s3cr3t-v1", host: "db.internal", port: 5432 })
  },
  { timeToLive, jitter: 0, maxStale: "1 minute", failureBackoff: { base: "100 millis", max: "100 millis" } }
)

// `say` prints a line of the narration (the test collects them instead).
export const program = (say: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    const store = yield* TestSecretStore
    let seen = 0
    // Store calls since the last step.
    const calls = Effect.map(store.fetchCount(), (total) => {
      const made = total - seen
      seen = total
      return `${made} store call${made === 1 ? "" : "s"}`
    })
    const apiKey = Effect.map(secrets.getString("prod/api-key"), Redacted.value)

    yield* say(`effect-secrets quickstart (TTL ${timeToLive})\n`)

    yield* store.setLatency("50 millis")
    const keys = yield* Effect.all(Array.from({ length: 1000 }, () => apiKey), { concurrency: "unbounded" })
    yield* say(`1. 1000 concurrent reads of a cold secret: ${yield* calls}, all got "${keys[0]}".`)

    yield* apiKey
    yield* say(`2. Another read is a cache hit: ${yield* calls}.`)

    yield* store.put("prod/api-key", "key-v2")
    const beforeTtl = yield* apiKey
    yield* say(`3. The secret is rotated upstream; before the TTL the cache still serves "${beforeTtl}".`)
    yield* Effect.sleep(timeToLive)
    const afterTtl = yield* apiKey
    yield* say(`   After the TTL the next read loads "${afterTtl}": ${yield* calls}.`)

    yield* store.failNext("prod/api-key", "throttled", 1000)
    yield* Effect.sleep(timeToLive)
    const stale = yield* apiKey
    yield* say(
      `4. Secrets Manager throttles past the TTL: the read is answered with "${stale}" (stale-if-error), ${yield* calls}.`
    )

    const credentials = yield* secrets.getJson("prod/db", DatabaseCredentials)
    yield* say(`5. A JSON secret decoded with a Schema: ${JSON.stringify(credentials)}`)
    yield* say(`   and through the logger:`)
    yield* Effect.log(credentials)

    const stats = yield* secrets.stats
    yield* say(
      `\nStats: ${stats.hits} hits, ${stats.misses} misses, ${stats.loads} loads, ` +
        `${stats.loadFailures} load failures, ${stats.staleReads} stale reads.`
    )
  })

export const main = program().pipe(Effect.provide(DemoLive))
