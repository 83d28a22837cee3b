import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { LocalSecretsManager } from "@effect-secrets/local"
import { Console, Effect } from "effect"

const program = Effect.gen(function*() {
  const local = yield* LocalSecretsManager
  const client = yield* Effect.acquireRelease(
    Effect.sync(() => new SecretsManagerClient(local.clientConfig)),
    (client) => Effect.sync(() => client.destroy())
  )
  const secret = yield* Effect.promise(() => client.send(new GetSecretValueCommand({ SecretId: "db" })))
  yield* Console.log(`read ${secret.Name}, version ${secret.VersionId}`)
})

// The server lives as long as the layer: it stops once the program is done.
await Effect.runPromise(
  program.pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: { db: "hunter2" } })))
)
