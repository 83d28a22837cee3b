// SecretsService over AwsSecretStore, through the real AWS SDK over real HTTP, against LocalSecretsManager on loopback.
// The endpoint and the store share the test's TestClock: latency, backoffs and timeouts move only when a test says.
import {
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand
} from "@aws-sdk/client-secrets-manager"
import type { AwsSecrets } from "@effect-secrets/aws"
import { AwsSecrets as Aws, AwsSecretStore } from "@effect-secrets/aws"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Fiber, Layer, Redacted, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as util from "node:util"
import { describeAnswerContract, describeErrorContract, describeFaultContract } from "./storeContract.js"

const credentials = { accessKeyId: "test", secretAccessKey: "test" }
const marker = "MRKaws4Q9"
const seed = {
  "prod/api-key": "key-v1",
  "prod/db": JSON.stringify({ username: "app", password: `pw-${marker}` }),
  "prod/tls-key": new Uint8Array([0, 1, 2, 254, 255])
}

// Exact deadlines, no retries unless a test asks, and a timeout far beyond any backoff a test jumps over.
const base: AwsSecrets.AwsSecretsOptions = {
  timeToLive: "60 seconds",
  jitter: 0,
  refreshAhead: 1,
  timeout: "1 hour",
  retry: { maxAttempts: 1 }
}

const stack = (options: AwsSecrets.AwsSecretsOptions = {}, secrets: Record<string, string | Uint8Array> = seed) =>
  Layer.unwrap(
    Effect.map(LocalSecretsManager, (local) =>
      Aws.layer({
        ...base,
        ...options,
        clientConfig: local.clientConfig
      }))
  ).pipe(Layer.provideMerge(LocalSecretsManager.layer({ secrets })))

const sdk = (local: LocalSecretsManager.Service) => new SecretsManagerClient({ ...local.clientConfig, maxAttempts: 1 })

const text = (secret: { readonly value: Redacted.Redacted<string | Uint8Array> }) => {
  const value = Redacted.value(secret.value)
  return typeof value === "string" ? value : Buffer.from(value).toString("hex")
}

describe("AwsSecretStore through the real SDK", () => {
  it.effect("reads string, binary and JSON secrets with their metadata", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const apiKey = yield* secrets.get("prod/api-key")
      assert.strictEqual(text(apiKey), "key-v1")
      assert.strictEqual(apiKey.name, "prod/api-key")
      assert.match(apiKey.arn, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/api-key-\w{6}$/)
      assert.match(apiKey.versionId, /^[0-9a-f-]{36}$/)
      assert.deepStrictEqual(apiKey.versionStages, ["AWSCURRENT"])
      assert.instanceOf(apiKey.createdDate, Date)
      const tlsKey = yield* secrets.getBinary("prod/tls-key")
      assert.deepStrictEqual(Array.from(Redacted.value(tlsKey)), [0, 1, 2, 254, 255])
      const db = yield* secrets.getJson(
        "prod/db",
        Schema.Struct({ username: Schema.String, password: Schema.RedactedFromValue(Schema.String) })
      )
      assert.strictEqual(db.username, "app")
      assert.strictEqual(Redacted.value(db.password), `pw-${marker}`)
      // By ARN too.
      assert.strictEqual(text(yield* secrets.get(apiKey.arn)), "key-v1")
    }).pipe(Effect.provide(stack())))

  it.effect("one GetSecretValue for many concurrent readers, none for hits", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const local = yield* LocalSecretsManager
      yield* Effect.all(Array.from({ length: 200 }, () => secrets.getString("prod/api-key")), {
        concurrency: "unbounded"
      })
      yield* secrets.getString("prod/api-key")
      assert.strictEqual(yield* local.calls("GetSecretValue"), 1)
    }).pipe(Effect.provide(stack())))

  describe("every AWS error maps to its tag", () => {
    it.effect("nothing listening is SecretsUnavailable (network)", () =>
      Effect.gen(function*() {
        const store = yield* SecretStore
        const error = yield* Effect.flip(store.fetch({ secretId: "prod/api-key" }))
        assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "network", String(error))
      }).pipe(
        Effect.provide(AwsSecretStore.layer({
          retry: { maxAttempts: 1 },
          // Port 9 (discard) on loopback: nothing listens there on these machines.
          clientConfig: { endpoint: "http://127.0.0.1:9", region: "us-east-1", credentials }
        }))
      ))

    it.effect("no error carries any part of the secret or the request signature", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* secrets.get("prod/db")
        const errors: Array<unknown> = []
        for (const code of ["AccessDeniedException", "DecryptionFailure", "InvalidParameterException"] as const) {
          yield* local.faults.fail({ code, next: 1 })
          errors.push(yield* Effect.flip(secrets.refresh("prod/db")))
        }
        yield* local.faults.throttle({ next: 1 })
        errors.push(yield* Effect.flip(secrets.refresh("prod/db")))
        for (const error of errors) {
          for (const rendering of [String(error), JSON.stringify(error), util.inspect(error, { depth: 10 })]) {
            assert.notInclude(rendering, marker)
            assert.notInclude(rendering, "Signature=")
            assert.notInclude(rendering, "Credential=")
          }
        }
      }).pipe(Effect.provide(stack())))
  })

  describe("rotation", () => {
    it.effect("PutSecretValue is picked up after the TTL, and AWSPREVIOUS and VersionId reads work", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        const first = yield* secrets.get("prod/api-key")
        const client = sdk(local)
        yield* Effect.promise(() =>
          client.send(new PutSecretValueCommand({ SecretId: "prod/api-key", SecretString: "key-v2" }))
        )
        assert.strictEqual(text(yield* secrets.get("prod/api-key")), "key-v1", "cached until the TTL")
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(text(yield* secrets.get("prod/api-key")), "key-v2")
        const previous = yield* secrets.get("prod/api-key", { versionStage: "AWSPREVIOUS" })
        assert.strictEqual(text(previous), "key-v1")
        assert.deepStrictEqual(previous.versionStages, ["AWSPREVIOUS"])
        assert.strictEqual(text(yield* secrets.get("prod/api-key", { versionId: first.versionId })), "key-v1")
        client.destroy()
      }).pipe(Effect.provide(stack())))

    it.effect("AWSPENDING promoted with UpdateSecretVersionStage is picked up after the TTL", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        const current = yield* secrets.get("prod/api-key")
        const client = sdk(local)
        const pending = yield* Effect.promise(() =>
          client.send(
            new PutSecretValueCommand({
              SecretId: "prod/api-key",
              SecretString: "key-v2",
              VersionStages: ["AWSPENDING"]
            })
          )
        )
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(text(yield* secrets.get("prod/api-key")), "key-v1", "pending is not current")
        assert.strictEqual(text(yield* secrets.get("prod/api-key", { versionStage: "AWSPENDING" })), "key-v2")
        yield* Effect.promise(() =>
          client.send(
            new UpdateSecretVersionStageCommand({
              SecretId: "prod/api-key",
              VersionStage: "AWSCURRENT",
              MoveToVersionId: pending.VersionId,
              RemoveFromVersionId: current.versionId
            })
          )
        )
        assert.strictEqual(text(yield* secrets.get("prod/api-key")), "key-v1", "cached until the TTL")
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(text(yield* secrets.get("prod/api-key")), "key-v2")
        client.destroy()
      }).pipe(Effect.provide(stack())))
  })

  describeFaultContract({ operation: "GetSecretValue", stack: (options) => stack(options) })
  describeErrorContract({ operation: "GetSecretValue", stack: (options) => stack(options) })
  describeAnswerContract({
    operation: "GetSecretValue",
    at: (url, options) =>
      AwsSecretStore.layer({ ...options, clientConfig: { endpoint: url, region: "us-east-1", credentials } })
  })

  it.effect("interrupting a read aborts its HTTP request through the AbortSignal", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const aborted: Array<boolean> = []
      // The real client, watched: did the signal the store passed fire?
      const client = new SecretsManagerClient({ ...local.clientConfig, maxAttempts: 1 })
      const send = client.send.bind(client) as (command: unknown, options?: { abortSignal?: AbortSignal }) => unknown
      client.send = ((command: unknown, options?: { abortSignal?: AbortSignal }) => {
        options?.abortSignal?.addEventListener("abort", () => aborted.push(true))
        return send(command, options)
      }) as typeof client.send
      yield* local.faults.hang({ next: 1 })
      const reading = yield* Effect.flatMap(SecretStore, (store) => store.fetch({ secretId: "prod/api-key" })).pipe(
        Effect.provide(AwsSecretStore.layer({ client, retry: { maxAttempts: 1 } })),
        Effect.forkChild
      )
      yield* local.awaitCalls(1, "GetSecretValue")
      yield* Fiber.interrupt(reading)
      assert.deepStrictEqual(aborted, [true])
      client.destroy()
    }).pipe(Effect.provide(LocalSecretsManager.layer({ secrets: seed }))))

  describe("prefetch", () => {
    const ids = Array.from({ length: 45 }, (_, i) => `app/secret-${i}`)
    const many = Object.fromEntries(ids.filter((id) => id !== "app/secret-30").map((id) => [id, `value-${id}`]))

    it.effect("45 secrets in 3 BatchGetSecretValue calls; the missing one fails alone; then all hits", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        const results = yield* secrets.prefetch(ids)
        assert.strictEqual(yield* local.calls("BatchGetSecretValue"), 3)
        assert.strictEqual(yield* local.calls("GetSecretValue"), 0)
        const failed = results.flatMap((r, i) => Result.isFailure(r) ? [`${ids[i]}: ${r.failure._tag}`] : [])
        assert.deepStrictEqual(failed, ["app/secret-30: SecretNotFound"])
        for (const id of ids.filter((id) => id !== "app/secret-30")) yield* secrets.get(id)
        assert.strictEqual(yield* local.calls(), 3)
      }).pipe(Effect.provide(stack({}, many))))

    it.effect("without batch permission it falls back to GetSecretValue per secret", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* local.faults.fail({ code: "AccessDeniedException", next: 1 })
        const results = yield* secrets.prefetch(ids.slice(0, 5))
        assert.isTrue(results.every(Result.isSuccess))
        assert.strictEqual(yield* local.calls("BatchGetSecretValue"), 1)
        assert.strictEqual(yield* local.calls("GetSecretValue"), 5)
      }).pipe(Effect.provide(stack({}, many))))
  })

  describe("configuration", () => {
    it.effect("the SDK's standard chain: AWS_ENDPOINT_URL_SECRETS_MANAGER points the default client at the endpoint", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const saved = { ...process.env }
        Object.assign(process.env, {
          AWS_ENDPOINT_URL_SECRETS_MANAGER: local.url,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test"
        })
        const value = yield* Effect.flatMap(SecretsService, (secrets) => secrets.getString("prod/api-key")).pipe(
          Effect.provide(Aws.layer({ retry: { maxAttempts: 1 } })),
          Effect.ensuring(Effect.sync(() => {
            for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
            Object.assign(process.env, saved)
          }))
        )
        assert.strictEqual(Redacted.value(value), "key-v1")
      }).pipe(Effect.provide(LocalSecretsManager.layer({ secrets: seed }))))

    it.effect("config reads the cache's and the store's settings, and names a bad one", () =>
      Effect.gen(function*() {
        const options = yield* Aws.config.pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromUnknown({
              SECRETS_CACHE_TIME_TO_LIVE: "2 minutes",
              SECRETS_STORE_MAX_ATTEMPTS: "2",
              SECRETS_STORE_TIMEOUT: "3 seconds",
              SECRETS_STORE_BATCH: "false"
            })
          )
        )
        assert.isTrue(Duration.equals(Duration.fromInputUnsafe(options.timeToLive!), Duration.minutes(2)))
        assert.isTrue(Duration.equals(Duration.fromInputUnsafe(options.timeout!), Duration.seconds(3)))
        assert.strictEqual(options.retry?.maxAttempts, 2)
        assert.strictEqual(options.batch, false)
        const error = yield* Effect.flip(Aws.config).pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromUnknown({ SECRETS_STORE_MAX_ATTEMPTS: "0" })
          )
        )
        assert.match(String(error), /SECRETS_STORE_MAX_ATTEMPTS/)
      }))
  })
})
