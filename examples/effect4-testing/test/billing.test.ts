import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { ApiKeyId, charge, FakePaymentApi } from "../src/billing.js"

// The only change from production: `SecretsService.layerTest` instead of `AwsSecrets.layer`. It is the same cache over
// an in-memory store seeded with one key, and it also provides `TestSecretStore` to rotate, break and count that store.
// `jitter: 0` makes every TTL exactly 5 minutes, so `TestClock.adjust("5 minutes")` expires the key, to the tick.
const TestLive = Layer.merge(
  SecretsService.layerTest({ [ApiKeyId]: "key-v1" }, { timeToLive: "5 minutes", jitter: 0 }),
  FakePaymentApi.layer
)

// `it.effect` runs on the TestClock: time moves only when the test says so. Each test provides `TestLive` itself, so
// each starts with a fresh store and an empty cache.
describe("billing", () => {
  it.effect("charges with the key from Secrets Manager, fetched once for many charges", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const payments = yield* FakePaymentApi
      yield* charge(1200)
      yield* charge(800)
      assert.deepStrictEqual(yield* payments.keysUsed, ["key-v1", "key-v1"])
      assert.strictEqual(yield* store.fetchCount(ApiKeyId), 1) // the second charge was a cache hit
    }).pipe(Effect.provide(TestLive)))

  it.effect("keeps the cached key until the TTL, then charges with the rotated one", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const payments = yield* FakePaymentApi
      yield* charge(100)
      yield* store.put(ApiKeyId, "key-v2") // a rotation: key-v2 becomes AWSCURRENT
      yield* charge(100) // still within the TTL: the cached key-v1
      yield* TestClock.adjust("5 minutes") // no real waiting: the TestClock jumps
      yield* charge(100) // expired: loads key-v2
      assert.deepStrictEqual(yield* payments.keysUsed, ["key-v1", "key-v1", "key-v2"])
    }).pipe(Effect.provide(TestLive)))

  it.effect("keeps charging with the last good key while Secrets Manager throttles", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const payments = yield* FakePaymentApi
      yield* charge(100)
      yield* store.failNext(ApiKeyId, "throttled") // the next store call fails with SecretsUnavailable
      yield* TestClock.adjust("5 minutes")
      const receipt = yield* charge(100) // the reload is throttled: served the expired key (stale-if-error)
      assert.strictEqual(receipt.amountCents, 100)
      assert.deepStrictEqual(yield* payments.keysUsed, ["key-v1", "key-v1"])
      const stats = yield* Effect.flatMap(SecretsService, (secrets) => secrets.stats)
      assert.strictEqual(stats.staleReads, 1)
    }).pipe(Effect.provide(TestLive)))

  it.effect("recovers when the provider refuses the cached key mid-rotation, with the AWSPENDING key", () =>
    Effect.gen(function*() {
      const store = yield* TestSecretStore
      const payments = yield* FakePaymentApi
      yield* charge(100)
      // A single-user rotation, halfway: key-v2 is staged AWSPENDING and already live at the provider, key-v1 is
      // revoked there, and AWSCURRENT still points at key-v1.
      yield* store.putPending(ApiKeyId, "key-v2")
      yield* payments.revoke("key-v1")
      const receipt = yield* charge(250) // refused with key-v1; withSecret finds key-v2 and charges again
      assert.strictEqual(receipt.amountCents, 250)
      assert.deepStrictEqual(yield* payments.keysUsed, ["key-v1", "key-v1", "key-v2"])
    }).pipe(Effect.provide(TestLive)))
})
