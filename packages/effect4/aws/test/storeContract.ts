// What every SecretStore of this package must do, whatever it talks to: the same error mapping and the same behaviour
// under faults, run against AwsSecretStore (GetSecretValue through the SDK) and AgentSecretStore (the agent route), on
// the local endpoint.
import type { SecretsOptions } from "@effect-secrets/core"
import { isTransient, SecretsService, SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import type { Duration } from "effect"
import { Context, Effect, Fiber, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as util from "node:util"
import type { RetryOptions } from "../src/AwsSecretStore.js"
import { stubServer } from "./stubServer.js"

/**
 * The options both stores take, over the cache's.
 */
export interface ContractOptions extends SecretsOptions {
  readonly timeout?: Duration.Input | undefined
  readonly retry?: RetryOptions | undefined
}

/**
 * A store under test: the layer of `SecretsService` over it (with `prod/api-key` = "key-v1" seeded in the local
 * endpoint), and the name under which the endpoint counts its calls.
 */
export interface StoreUnderTest {
  readonly operation: string
  readonly stack: (options?: ContractOptions) => Layer.Layer<SecretsService | LocalSecretsManager, unknown>
}

export const describeFaultContract = ({ operation, stack }: StoreUnderTest) =>
  describe("retries, timeouts, interruption (the store contract)", () => {
    it.effect("throttling is absorbed by the store's retries (backoff on the TestClock)", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* local.faults.throttle({ next: 2 })
        const reading = yield* Effect.forkChild(secrets.getString("prod/api-key"))
        assert.strictEqual(Redacted.value(yield* TestIo.finish(reading, { window: 5000 })), "key-v1")
        assert.strictEqual(yield* local.calls(operation), 3)
        assert.strictEqual((yield* secrets.stats).loads, 1, "one load for the cache, three calls inside the store")
      }).pipe(
        Effect.provide(stack({ retry: { maxAttempts: 4, base: "100 millis", max: "1 second" } })),
        TestIo.withRecording
      ))

    it.effect("retries stop after maxAttempts and the error is returned", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* local.faults.serverError({ next: 10 })
        const reading = yield* Effect.forkChild(Effect.flip(secrets.get("prod/api-key")))
        const error = yield* TestIo.finish(reading, { window: 5000 })
        assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "server", String(error))
        assert.strictEqual(yield* local.calls(operation), 3)
      }).pipe(
        Effect.provide(stack({ retry: { maxAttempts: 3, base: "100 millis", max: "1 second" } })),
        TestIo.withRecording
      ))

    it.effect("a hung connection ends in SecretsUnavailable (timeout) when the timeout passes, not before", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* local.faults.hang({ next: 1 })
        const reading = yield* Effect.forkChild(Effect.flip(secrets.get("prod/api-key")))
        yield* local.awaitCalls(1, operation)
        yield* TestClock.adjust("4999 millis")
        yield* TestIo.ioTurn
        assert.isUndefined(reading.pollUnsafe(), "still waiting before the timeout")
        yield* TestClock.adjust("1 millis")
        const error = yield* Fiber.join(reading)
        assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "timeout", String(error))
      }).pipe(Effect.provide(stack({ timeout: "5 seconds" }))))

    it.effect("stale-if-error while the endpoint throttles, fresh again when it recovers", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* secrets.get("prod/api-key")
        yield* local.faults.throttle({ fraction: 1 })
        yield* TestClock.adjust("60 seconds")
        assert.strictEqual(Redacted.value(yield* secrets.getString("prod/api-key")), "key-v1")
        assert.strictEqual((yield* secrets.stats).staleReads, 1)
        yield* local.faults.clear
        yield* local.putSecretValue("prod/api-key", "key-v2")
        yield* TestClock.adjust("1 second") // the failure backoff
        assert.strictEqual(Redacted.value(yield* secrets.getString("prod/api-key")), "key-v2")
      }).pipe(Effect.provide(stack({ maxStale: "10 minutes" }))))

    it.effect("interrupting one caller aborts nothing another caller waits for", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* local.faults.setLatency("1 second")
        const first = yield* Effect.forkChild(secrets.getString("prod/api-key"))
        const second = yield* Effect.forkChild(secrets.getString("prod/api-key"))
        yield* local.awaitCalls(1, operation)
        yield* Fiber.interrupt(first)
        yield* TestClock.adjust("1 second")
        assert.strictEqual(Redacted.value(yield* TestIo.finish(second, { window: 5000 })), "key-v1")
        assert.strictEqual(yield* local.calls(operation), 1)
      }).pipe(Effect.provide(stack()), TestIo.withRecording))
  })

export const describeErrorContract = ({ stack }: StoreUnderTest) =>
  describe("every AWS error maps to its tag (the store contract)", () => {
    const errorOf = (secretId: string) =>
      Effect.flatMap(SecretsService, (secrets) => Effect.flip(secrets.get(secretId)))

    it.effect("ResourceNotFoundException is SecretNotFound", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* errorOf("prod/missing"))._tag, "SecretNotFound")
      }).pipe(Effect.provide(stack())))

    it.effect("AccessDeniedException and DecryptionFailure are SecretAccessDenied, with the reason", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        yield* local.faults.fail({ code: "AccessDeniedException", next: 1, secretId: "prod/api-key" })
        const denied = yield* errorOf("prod/api-key")
        assert.isTrue(denied._tag === "SecretAccessDenied" && denied.reason === "AccessDeniedException")
        yield* local.faults.fail({ code: "DecryptionFailure", next: 1, secretId: "prod/db" })
        const kms = yield* errorOf("prod/db")
        assert.strictEqual(kms._tag, "SecretAccessDenied")
        assert.match(kms.message, /KMS/)
      }).pipe(Effect.provide(stack())))

    it.effect("a secret scheduled for deletion and a bad parameter are SecretRequestRejected", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        yield* local.deleteSecret("prod/api-key", { recoveryWindowInDays: 7 })
        const scheduled = yield* errorOf("prod/api-key")
        assert.strictEqual(scheduled._tag, "SecretRequestRejected")
        assert.match(scheduled.message, /InvalidRequestException/)
        yield* local.faults.fail({ code: "InvalidParameterException", next: 1, secretId: "prod/db" })
        assert.strictEqual((yield* errorOf("prod/db"))._tag, "SecretRequestRejected")
      }).pipe(Effect.provide(stack())))

    it.effect("throttling and 500s are SecretsUnavailable, with the reason", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        yield* local.faults.throttle({ next: 1, secretId: "prod/api-key" })
        const throttled = yield* errorOf("prod/api-key")
        assert.isTrue(throttled._tag === "SecretsUnavailable" && throttled.reason === "throttled", String(throttled))
        yield* local.faults.serverError({ next: 1, secretId: "prod/db" })
        const server = yield* errorOf("prod/db")
        assert.isTrue(server._tag === "SecretsUnavailable" && server.reason === "server", String(server))
      }).pipe(Effect.provide(stack())))
  })

/**
 * A store under test against a stub server instead of the local endpoint: its layer for a given endpoint URL, and the
 * operation its reads arrive as.
 */
export interface StoreAtUrl {
  readonly operation: string
  readonly at: (url: string, options: ContractOptions) => Layer.Layer<SecretStore>
}

// The answer Secrets Manager gives for prod/api-key, as JSON (CreatedDate in epoch seconds).
export const goodAnswer = {
  ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/api-key-AbCdEf",
  Name: "prod/api-key",
  VersionId: "11111111-1111-1111-1111-111111111111",
  SecretString: "key-v1",
  VersionStages: ["AWSCURRENT"],
  CreatedDate: 1700000000
}

// 200 answers that are not a value for prod/api-key: garbage on the wire, or an answer about something else.
export const garbledAnswers: ReadonlyArray<readonly [string, string]> = [
  ["an empty body", ""],
  ["[]", "[]"],
  ["{}", "{}"],
  ["null", "null"],
  ["a body that is not JSON", "<html>not JSON</html>"],
  ["metadata without SecretString or SecretBinary", JSON.stringify({ ...goodAnswer, SecretString: undefined })],
  ["a SecretString that is a number", JSON.stringify({ ...goodAnswer, SecretString: 5 })],
  ["a SecretBinary that is not base64", JSON.stringify({ ...goodAnswer, SecretString: undefined, SecretBinary: "!!" })],
  [
    "the value of another secret",
    JSON.stringify({
      ...goodAnswer,
      Name: "prod/other",
      ARN: "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/other-AbCdEf"
    })
  ],
  ["a version that is not AWSCURRENT", JSON.stringify({ ...goodAnswer, VersionStages: ["AWSPREVIOUS"] })]
]

export const describeAnswerContract = ({ at, operation }: StoreAtUrl) =>
  describe("a 200 that is not the secret's value is transient (the store contract)", () => {
    for (const [label, body] of garbledAnswers) {
      it.effect(`${label}: SecretsUnavailable, retried, and the cached value is served stale, not evicted`, () =>
        Effect.gen(function*() {
          const stub = yield* stubServer(({ index }) =>
            index === 0 ? { status: 200, body: JSON.stringify(goodAnswer) } : { status: 200, body }
          )
          const options: ContractOptions = {
            timeToLive: "60 seconds",
            jitter: 0,
            refreshAhead: 1,
            maxStale: "10 minutes",
            timeout: "1 hour",
            retry: { maxAttempts: 3, base: "100 millis", max: "1 second" }
          }
          const context = yield* Layer.build(
            SecretsService.layer(options).pipe(Layer.provideMerge(at(stub.url, options)))
          )
          const secrets = Context.get(context, SecretsService)
          const store = Context.get(context, SecretStore)
          assert.strictEqual(Redacted.value(yield* secrets.getString("prod/api-key")), "key-v1")
          yield* TestClock.adjust("60 seconds")
          const stale = yield* TestIo.finish(yield* Effect.forkChild(secrets.getString("prod/api-key")))
          assert.strictEqual(Redacted.value(stale), "key-v1", "served stale")
          assert.strictEqual((yield* secrets.stats).staleReads, 1)
          assert.strictEqual(stub.calls(operation), 4, "one good answer, then three attempts on the garbage")
          const error = yield* TestIo.finish(
            yield* Effect.forkChild(Effect.flip(store.fetch({ secretId: "prod/api-key" })))
          )
          assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "unavailable", String(error))
          assert.isTrue(isTransient(error))
          for (const rendering of [String(error), JSON.stringify(error), util.inspect(error, { depth: 10 })]) {
            assert.notInclude(rendering, "not JSON")
          }
        }).pipe(Effect.scoped, TestIo.withRecording))
    }
  })
