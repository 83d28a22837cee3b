// Simulates Lambda on this machine: a container is one evaluation of `handler.ts` (a cold start), whose `handler` is
// then invoked several times (warm invocations); a second container evaluates the module again. Secrets Manager is a
// local endpoint in this process, reached by the real AWS SDK through the environment, as a deployed function is.
import { LocalSecretsManager } from "@effect-secrets/local"
import { Console, Effect } from "effect"
import type * as Handler from "./handler.js"
import { ApiKeyId } from "./handler.js"

// One fresh evaluation of `handler.ts` per call: what Lambda does for each new execution environment.
export type LoadContainer = (container: number) => Promise<typeof Handler>

export const DemoLive = LocalSecretsManager.layer({ secrets: { [ApiKeyId]: "sk_live_demo_v1" } })

// The function's configuration, as Lambda would pass it in the environment; restored when the simulation ends.
const withEnvironment = (variables: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]))
      Object.assign(process.env, variables)
      return previous
    }),
    (previous) =>
      Effect.sync(() => {
        for (const [name, value] of Object.entries(previous)) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
      })
  )

export const program = (
  loadContainer: LoadContainer,
  say: (line: string) => Effect.Effect<void> = Console.log
) =>
  Effect.gen(function*() {
    const local = yield* LocalSecretsManager
    yield* withEnvironment({
      AWS_ENDPOINT_URL_SECRETS_MANAGER: local.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "demo",
      AWS_SECRET_ACCESS_KEY: "demo"
    })
    yield* say(`effect-secrets lambda: a ManagedRuntime at module scope, Secrets Manager (local) at ${local.url}\n`)

    let order = 1000
    const container = (id: number, invocations: number) =>
      Effect.gen(function*() {
        yield* say(`Container ${id}: cold start (handler.ts evaluated, ManagedRuntime created)`)
        const { handler } = yield* Effect.acquireRelease(
          Effect.promise(() => loadContainer(id)),
          ({ dispose }) => Effect.promise(dispose)
        )
        for (let invocation = 1; invocation <= invocations; invocation++) {
          const before = yield* local.calls("GetSecretValue")
          const started = performance.now() // the handler's own time, not Effect's (possibly test) clock
          const response = yield* Effect.promise(() => handler({ orderId: `o-${++order}`, amountCents: 1200 }))
          const millis = (performance.now() - started).toFixed(1)
          const calls = (yield* local.calls("GetSecretValue")) - before
          yield* say(
            `  invocation ${invocation} (${invocation === 1 ? "cold" : "warm"}): HTTP ${response.statusCode}, ` +
              `${calls} GetSecretValue call${calls === 1 ? "" : "s"}, ${millis} ms`
          )
        }
      }).pipe(
        Effect.scoped,
        Effect.zipRight(say(`  environment shut down: runtime disposed, SDK client closed, cache gone`))
      )

    yield* container(1, 4)
    yield* container(2, 2)
    yield* say(`\n${yield* local.calls("GetSecretValue")} GetSecretValue calls for 6 invocations in 2 containers.`)
  }).pipe(Effect.scoped)
