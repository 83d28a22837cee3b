// What every SecretStore of this package must do, whatever it talks to: the same error mapping and the same behaviour
// under faults, run against AwsSecretStore (GetSecretValue through the SDK) and AgentSecretStore (the agent route), on
// the local endpoint.
import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsService } from "@effect-secrets/core"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import type { Layer } from "effect"
import type { Duration } from "effect"
import { Effect, Fiber, Redacted, TestClock } from "effect"
import type { RetryOptions } from "../src/AwsSecretStore.js"

/**
 * The options both stores take, over the cache's.
 */
export interface ContractOptions extends SecretsOptions {
  readonly timeout?: Duration.DurationInput | undefined
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
        const reading = yield* Effect.fork(secrets.getString("prod/api-key"))
        assert.strictEqual(Redacted.value(yield* TestIo.finish(reading, { window: 5000 })), "key-v1")
        assert.strictEqual(yield* local.calls(operation), 3)
        assert.strictEqual((yield* secrets.stats).loads, 1, "one load for the cache, three calls inside the store")
      }).pipe(Effect.provide(stack({ retry: { maxAttempts: 4, base: "100 millis", max: "1 second" } }))))

    it.effect("retries stop after maxAttempts and the error is returned", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* local.faults.serverError({ next: 10 })
        const reading = yield* Effect.fork(Effect.flip(secrets.get("prod/api-key")))
        const error = yield* TestIo.finish(reading, { window: 5000 })
        assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "server", String(error))
        assert.strictEqual(yield* local.calls(operation), 3)
      }).pipe(Effect.provide(stack({ retry: { maxAttempts: 3, base: "100 millis", max: "1 second" } }))))

    it.effect("a hung connection ends in SecretsUnavailable (timeout) when the timeout passes, not before", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const secrets = yield* SecretsService
        yield* local.faults.hang({ next: 1 })
        const reading = yield* Effect.fork(Effect.flip(secrets.get("prod/api-key")))
        yield* local.awaitCalls(1, operation)
        yield* TestClock.adjust("4999 millis")
        yield* TestIo.ioTurn
        assert.isNull(reading.unsafePoll(), "still waiting before the timeout")
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
        const first = yield* Effect.fork(secrets.getString("prod/api-key"))
        const second = yield* Effect.fork(secrets.getString("prod/api-key"))
        yield* local.awaitCalls(1, operation)
        yield* Fiber.interrupt(first)
        yield* TestClock.adjust("1 second")
        assert.strictEqual(Redacted.value(yield* TestIo.finish(second, { window: 5000 })), "key-v1")
        assert.strictEqual(yield* local.calls(operation), 1)
      }).pipe(Effect.provide(stack())))
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
