// The quickstart on Effect 4 (the same narration as examples/quickstart), narrated: what the cache does for a service that reads a secret on every request. It runs the real
// AWS SDK against a Secrets Manager endpoint started in this process, and counts the API calls it receives.
import { AwsSecrets } from "@effect-secrets/aws"
import { SecretsService } from "@effect-secrets/core"
import { LocalSecretsManager } from "@effect-secrets/local"
import { Console, Effect, Layer, Redacted, Result, Schema } from "effect"

// How the demo's secrets look. `Schema.RedactedFromValue` (Effect 4's `Schema.Redacted` of a JSON field) keeps the password out of every log line.
const DatabaseCredentials = Schema.Struct({
  username: Schema.String,
  password: Schema.RedactedFromValue(Schema.String),
  host: Schema.String,
  port: Schema.Number
})

export const timeToLive = "2 seconds"

// The embedded default: a local Secrets Manager endpoint on loopback, seeded with two secrets, and the production
// layer (`AwsSecrets.layer`: the cache over the AWS SDK) pointed at it.
export const DemoLive = Layer.unwrap(
  LocalSecretsManager.useSync((local) =>
    AwsSecrets.layer({
      timeToLive,
      jitter: 0,
      maxStale: "1 minute",
      failureBackoff: { base: "100 millis", max: "100 millis" },
      retry: { maxAttempts: 2, base: "50 millis" },
      clientConfig: local.clientConfig
    })
  )
).pipe(
  Layer.provideMerge(LocalSecretsManager.layer({
    secrets: {
      "prod/api-key": "key-v1",
      "prod/db": JSON.stringify({ username: "app", password: "s3cr3t-v1", host: "db.internal", port: 5432 })
    }
  }))
)

// `say` prints a line of the narration (the test collects them instead).
export const program = (say: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    const local = yield* LocalSecretsManager
    let seen = 0
    // Secrets Manager API calls since the last step.
    const calls = Effect.map(local.calls(), (total) => {
      const made = total - seen
      seen = total
      return `${made} API call${made === 1 ? "" : "s"}`
    })
    const apiKey = Effect.map(secrets.getString("prod/api-key"), Redacted.value)

    yield* say(`effect-secrets quickstart (Effect 4): the AWS SDK against a local Secrets Manager at ${local.url}`)
    yield* say(`(TTL ${timeToLive})\n`)

    yield* local.faults.setLatency("50 millis")
    const keys = yield* Effect.all(Array.from({ length: 1000 }, () => apiKey), { concurrency: "unbounded" })
    yield* say(`1. 1000 concurrent reads of a cold secret: ${yield* calls}, all got "${keys[0]}".`)

    yield* apiKey
    yield* say(`2. Another read is a cache hit: ${yield* calls}.`)

    yield* local.putSecretValue("prod/api-key", "key-v2")
    yield* calls // the rotation's own call is not the cache's
    const beforeTtl = yield* apiKey
    yield* say(`3. The secret is rotated (PutSecretValue); before the TTL the cache still serves "${beforeTtl}".`)
    yield* Effect.sleep(timeToLive)
    const afterTtl = yield* apiKey
    yield* say(`   After the TTL the next read loads "${afterTtl}": ${yield* calls}.`)

    yield* local.faults.throttle({ fraction: 1 })
    yield* Effect.sleep(timeToLive)
    const stale = yield* apiKey
    yield* say(
      `4. Secrets Manager throttles every call past the TTL: the read is answered with "${stale}" ` +
        `(stale-if-error) after ${yield* calls} (the store's retries).`
    )
    yield* local.faults.clear

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

// `--aws <secret-id>...`: the same cache, reading from real AWS with your own credentials (the SDK's standard chain).
// It prints what it read about each secret, never a value.
export const readFromAws = (
  secretIds: ReadonlyArray<string>,
  say: (line: string) => Effect.Effect<void> = Console.log
) =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    if (secretIds.length === 0) yield* say("Usage: pnpm demo:effect4 --aws <secret-id>...")
    let reads = 0
    for (const secretId of secretIds) {
      reads++
      const result = yield* Effect.result(secrets.get(secretId))
      if (Result.isFailure(result)) {
        const error = result.failure
        // A setup error is the same for every secret, and nothing went to AWS: say what to fix, and stop.
        if (error._tag === "SecretsMisconfigured") {
          yield* say(`The AWS SDK is not set up, so no request was sent to AWS: ${error.reason}.`)
          yield* say("Fix that setting and run again.")
          break
        }
        yield* say(`${secretId}: ${error.message}`)
        continue
      }
      const secret = result.success
      yield* secrets.get(secretId) // a hit
      reads++
      yield* say(
        `${secretId}: ${secret.kind} secret ${secret.arn}, version ${secret.versionId} ` +
          `[${secret.versionStages.join(", ")}], value ${String(secret.value)}`
      )
    }
    // Loads, not API calls: a load is one read by the cache, which the store may retry, or fail before sending.
    const stats = yield* secrets.stats
    const loads = `${stats.loads} load${stats.loads === 1 ? "" : "s"}`
    yield* say(
      `\n${reads} read${reads === 1 ? "" : "s"}: ${stats.hits} from the cache, ${loads} (${stats.loadFailures} failed).`
    )
  }).pipe(Effect.provide(AwsSecrets.layer()))
