// The program under test (Effect 4): it charges a customer through a payment provider whose API key lives in Secrets
// Manager. It knows nothing about AWS: it asks `SecretsService` for the key, so a test can swap the live layer for an
// in-memory one. The same program as examples/testing, in Effect 4's idiom (`Context.Service`).
import { SecretsService } from "@effect-secrets/core"
import { Context, Effect, Layer, Redacted, Schema } from "effect"

export const ApiKeyId = "billing/payment-api-key"

/** The provider refused the key: it was rotated, or revoked. */
export class InvalidApiKey extends Schema.TaggedError<InvalidApiKey>()("InvalidApiKey", {}) {
  override get message() {
    return "the payment provider refused the API key"
  }
}

export interface Receipt {
  readonly chargeId: string
  readonly amountCents: number
}

/** The payment provider's API. */
export class PaymentApi extends Context.Service<PaymentApi, {
  readonly charge: (apiKey: Redacted.Redacted<string>, amountCents: number) => Effect.Effect<Receipt, InvalidApiKey>
}>()("@effect-secrets/example-effect4-testing/PaymentApi") {}

/**
 * Charges `amountCents` with the current API key. `withSecret` runs the charge with the cached key and, if the
 * provider refuses it (a rotation in progress), finds the key that works now and charges again.
 */
export const charge = (amountCents: number) =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    const payments = yield* PaymentApi
    return yield* secrets.withSecret(
      ApiKeyId,
      (secret) =>
        secret.kind === "string"
          ? payments.charge(secret.value, amountCents)
          : Effect.die(new Error(`${ApiKeyId} must be a SecretString`)),
      { isAuthFailure: (error) => error._tag === "InvalidApiKey" }
    )
  })

/**
 * A stand-in for the provider: it accepts every key except those revoked, and remembers which key each charge used.
 * `main.ts` and the tests use it; production would call the provider's HTTP API.
 */
export class FakePaymentApi extends Context.Service<FakePaymentApi, {
  /** From now on, charges with this key fail with `InvalidApiKey`. */
  readonly revoke: (apiKey: string) => Effect.Effect<void>
  /** The key of every charge, accepted or not, in order. */
  readonly keysUsed: Effect.Effect<ReadonlyArray<string>>
}>()("@effect-secrets/example-effect4-testing/FakePaymentApi") {
  static readonly layer: Layer.Layer<FakePaymentApi | PaymentApi> = Layer.effectContext(Effect.sync(() => {
    const revoked = new Set<string>()
    const used: Array<string> = []
    let charges = 0
    const api = PaymentApi.of({
      charge: (apiKey, amountCents) =>
        Effect.suspend(() => {
          const key = Redacted.value(apiKey)
          used.push(key)
          return revoked.has(key)
            ? Effect.fail(new InvalidApiKey())
            : Effect.succeed({ chargeId: `ch_${++charges}`, amountCents })
        })
    })
    const fake = FakePaymentApi.of({
      revoke: (apiKey) => Effect.sync(() => void revoked.add(apiKey)),
      keysUsed: Effect.sync(() => [...used])
    })
    return Context.make(PaymentApi, api).pipe(Context.add(FakePaymentApi, fake))
  }))
}
