// `billing.ts` wired for real: the cache over the AWS SDK (`AwsSecrets.layer`), here pointed at a local Secrets
// Manager endpoint in this process so it runs without an AWS account. The tests swap exactly this layer.
import { AwsSecrets } from "@effect-secrets/aws"
import { LocalSecretsManager } from "@effect-secrets/local"
import { Console, Effect, Layer } from "effect"
import { ApiKeyId, charge, FakePaymentApi } from "./billing.js"

// In production: `AwsSecrets.layer({ timeToLive: "5 minutes" })`, with region and credentials from the SDK's chain.
const SecretsLive = Layer.unwrap(
  LocalSecretsManager.useSync((local) =>
    AwsSecrets.layer({
      timeToLive: "5 minutes",
      clientConfig: local.clientConfig
    })
  )
)

export const DemoLive = Layer.mergeAll(SecretsLive, FakePaymentApi.layer).pipe(
  Layer.provideMerge(LocalSecretsManager.layer({ secrets: { [ApiKeyId]: "sk_live_v1" } }))
)

export const demo = (say: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.gen(function*() {
    const local = yield* LocalSecretsManager
    const payments = yield* FakePaymentApi
    const calls = local.calls("GetSecretValue")
    yield* say(`effect-secrets testing (Effect 4): billing.ts against a local Secrets Manager at ${local.url}`)

    for (const amount of [1200, 800, 450]) {
      const receipt = yield* charge(amount)
      yield* say(`charged ${receipt.amountCents} cents (${receipt.chargeId})`)
    }
    yield* say(`3 charges, ${yield* calls} GetSecretValue call.`)

    // A single-user rotation, halfway: the new key is staged AWSPENDING and live at the provider, the old one revoked.
    yield* local.putSecretValue(ApiKeyId, "sk_live_v2", ["AWSPENDING"])
    yield* payments.revoke("sk_live_v1")
    const receipt = yield* charge(990)
    const keys = (yield* payments.keysUsed).slice(3).map((key) => key === "sk_live_v1" ? "v1" : "v2")
    yield* say(
      `mid-rotation: charged ${receipt.amountCents} cents (${receipt.chargeId}); keys tried: ${keys.join(", ")} ` +
        `(v1 refused, withSecret found AWSPENDING); ${yield* calls} GetSecretValue calls in all.`
    )
    yield* say(
      `\ntest/billing.test.ts tests this program on SecretsService.layerTest and the TestClock, in milliseconds.`
    )
  })
