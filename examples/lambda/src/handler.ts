// A Lambda function's entry module (`handler.handler`). Lambda evaluates this module once per execution environment,
// the cold start, and then calls `handler` for every invocation that environment serves, the warm invocations.
import { AwsSecrets } from "@effect-secrets/aws"
import { SecretsService } from "@effect-secrets/core"
import { Effect, ManagedRuntime, Redacted } from "effect"

export interface OrderEvent {
  readonly orderId: string
  readonly amountCents: number
}

export interface Response {
  readonly statusCode: number
  readonly body: string
}

export const ApiKeyId = "payments/api-key"

// Module scope: runs once per environment. The runtime builds its layer (the SDK client and the cache) on its first
// use and keeps it until it is disposed, so every warm invocation of this environment reads from the same cache.
// Region, credentials and endpoint come from the SDK's standard chain, i.e. from the function's environment.
const runtime = ManagedRuntime.make(AwsSecrets.layer({ timeToLive: "5 minutes" }))

// The payment provider, stubbed: a real handler would send the key in an Authorization header.
const chargeWith = (apiKey: Redacted.Redacted<string>, event: OrderEvent) =>
  Redacted.value(apiKey).length > 0
    ? Effect.succeed({ chargeId: `ch_${event.orderId}`, amountCents: event.amountCents })
    : Effect.fail("no API key" as const)

const chargeOrder = (event: OrderEvent): Effect.Effect<Response, never, SecretsService> =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    const apiKey = yield* secrets.getString(ApiKeyId)
    const charge = yield* chargeWith(apiKey, event)
    return { statusCode: 200, body: JSON.stringify(charge) }
  }).pipe(
    // Secret errors carry the secret's id and the AWS error's name, never a value: safe to log.
    Effect.tapError((error) => Effect.logError(error)),
    Effect.catchAll(() => Effect.succeed({ statusCode: 503, body: JSON.stringify({ error: "unavailable" }) }))
  )

// Each invocation is one `runPromise` on the runtime built at the cold start.
export const handler = async (event: OrderEvent): Promise<Response> => runtime.runPromise(chargeOrder(event))

// Closes the SDK client and drops the cache. Lambda never needs it (it freezes, then discards, the environment); tests
// and scripts call it to release a runtime as soon as they are done with it.
export const dispose = (): Promise<void> => runtime.dispose()
