/**
 * How both stores retry and time out a call: in Effect, on Effect's `Clock` and `Random`, so `TestClock` drives it and
 * interruption reaches it.
 *
 * @internal
 */
import type { SecretStoreError } from "@effect-secrets/core"
import { isTransient } from "@effect-secrets/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { RetryOptions } from "../AwsSecretStore.js"

/** @internal */
export const defaults = {
  timeout: Duration.seconds(5),
  maxAttempts: 4,
  base: Duration.millis(100),
  max: Duration.seconds(2),
  budget: Duration.seconds(10)
} as const

/**
 * Retries transient failures only: exponential from `base`, each delay capped at `max`, full jitter (callers that
 * failed together do not retry together), at most `maxAttempts` attempts, none started after `budget`.
 *
 * @internal
 */
export const retrying = (options: RetryOptions | undefined) => {
  const maxAttempts = Math.max(1, Math.floor(options?.maxAttempts ?? defaults.maxAttempts))
  const schedule = Schedule.exponential(options?.base ?? defaults.base).pipe(
    Schedule.modifyDelay((delay) => Duration.min(delay, Duration.decode(options?.max ?? defaults.max))),
    Schedule.jitteredWith({ min: 0, max: 1 }),
    Schedule.intersect(Schedule.recurs(maxAttempts - 1)),
    Schedule.upTo(options?.budget ?? defaults.budget)
  )
  return <A>(effect: Effect.Effect<A, SecretStoreError>) => Effect.retry(effect, { schedule, while: isTransient })
}
