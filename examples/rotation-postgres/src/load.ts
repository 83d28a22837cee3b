// A bounded load: `concurrency` workers each send `GET url` one after another until told to stop, or until
// `maxRequests` have been sent in all, or `maxDuration` has passed, whichever comes first. Loopback only.
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { Duration, Effect, Fiber, Schema } from "effect"
import type { Scope } from "effect"

export interface LoadOptions {
  readonly url: string
  readonly concurrency: number
  readonly maxRequests: number
  readonly maxDuration: Duration.DurationInput
  /** Called with each answer, in order of arrival. */
  readonly onAnswer?: ((answer: Answer) => void) | undefined
}

export type Answer =
  | { readonly _tag: "Ok"; readonly user: string; readonly version: string }
  | { readonly _tag: "Failed"; readonly reason: string }

export interface LoadReport {
  readonly requests: number
  readonly succeeded: number
  readonly failed: number
  /** Successful answers by PostgreSQL user. */
  readonly byUser: Readonly<Record<string, number>>
  /** Successful answers by the secret version whose credentials served them. */
  readonly byVersion: Readonly<Record<string, number>>
  readonly firstFailure: string | undefined
}

const Body = Schema.Struct({ user: Schema.String, version: Schema.String })

/** Starts the load in the current scope; `stop` ends it (each worker finishes its request in hand) and reports. */
export const start = (
  options: LoadOptions
): Effect.Effect<{ readonly stop: Effect.Effect<LoadReport> }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const deadline = Date.now() + Duration.toMillis(options.maxDuration)
    let stopping = false
    let requests = 0
    let succeeded = 0
    let failed = 0
    let firstFailure: string | undefined
    const byUser: Record<string, number> = {}
    const byVersion: Record<string, number> = {}
    const onAnswer = options.onAnswer ?? (() => {})

    const once = client.get(options.url).pipe(
      Effect.flatMap((response) =>
        response.status === 200
          ? response.json
          : Effect.flatMap(response.text, (body) => Effect.fail(new Error(`HTTP ${response.status} ${body}`.trim())))
      ),
      Effect.flatMap(Schema.decodeUnknown(Body)),
      Effect.timeout("5 seconds"),
      Effect.match({
        onSuccess: ({ user, version }) => {
          succeeded++
          byUser[user] = (byUser[user] ?? 0) + 1
          byVersion[version] = (byVersion[version] ?? 0) + 1
          onAnswer({ _tag: "Ok", user, version })
        },
        onFailure: (error) => {
          failed++
          const reason = error.message
          firstFailure ??= reason
          onAnswer({ _tag: "Failed", reason })
        }
      })
    )

    const worker = Effect.suspend(() => {
      if (stopping || requests >= options.maxRequests || Date.now() >= deadline) return Effect.succeed(false)
      requests++
      return Effect.as(once, true)
    }).pipe(Effect.repeat({ while: (more) => more }))

    const fiber = yield* Effect.forkScoped(
      Effect.forEach(Array.from({ length: options.concurrency }), () => worker, { concurrency: "unbounded" })
    )
    const stop = Effect.suspend(() => {
      stopping = true
      return Fiber.join(fiber)
    }).pipe(
      Effect.map((): LoadReport => ({
        requests,
        succeeded,
        failed,
        byUser: { ...byUser },
        byVersion: { ...byVersion },
        firstFailure
      }))
    )
    return { stop }
  }).pipe(Effect.provide(FetchHttpClient.layer))
