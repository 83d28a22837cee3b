/**
 * `withSecret`: run work with a secret, and when the work fails authentication, find the credential that works now.
 *
 * @internal
 */
import { RotationSearch } from "@effect-secrets/policy"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import type { SecretsError } from "../SecretsError.js"
import { isTransient } from "../SecretsError.js"
import { durationMillis, InvalidSecretsOptions } from "../SecretsOptions.js"
import type { WithSecretOptions } from "../SecretsService.js"
import type { SecretValue, VersionSelector } from "../SecretValue.js"

/** @internal */
export interface Source {
  readonly get: (secretId: string, options?: VersionSelector) => Effect.Effect<SecretValue, SecretsError>
  readonly forceRefresh: (
    secretId: string,
    options: VersionSelector | undefined,
    minInterval: Duration.Duration
  ) => Effect.Effect<SecretValue, SecretsError>
}

const defaults = {
  minRefreshInterval: Duration.seconds(5),
  base: Duration.millis(500),
  max: Duration.seconds(5),
  // A single-user rotation moves AWSCURRENT seconds to a minute after the password changed.
  budget: Duration.seconds(90)
}

/**
 * 1. `use` runs with the cached `AWSCURRENT` value.
 * 2. On an auth failure, a forced refresh (shared by every fiber, at most one store call per key per interval): a new
 *    version is tried at once.
 * 3. If the store still returns a version that failed (a single-user rotation between setSecret and finishSecret),
 *    `AWSPENDING` is tried, when there is one.
 * 4. Otherwise it waits (holding nothing) and goes back to 2, up to the budget; then the original error is returned.
 *    A zero `base` or `budget` means "do not wait for a rotation": one round of 2 and 3, then the original error.
 *
 * @internal
 */
export const withSecret = (source: Source) => {
  // Per secret: the version found to work while AWSCURRENT still named a refused one (a single-user rotation between
  // setSecret and finishSecret). Later calls start with it, instead of each paying a refused login, until AWSCURRENT
  // moves.
  // Version ids only: the value itself is read through the cache, so invalidation reaches it.
  const detours = new Map<string, { readonly refused: string; readonly working: string }>()

  const run = <A, E, R>(
    secretId: string,
    use: (secret: SecretValue) => Effect.Effect<A, E, R>,
    options: WithSecretOptions<E>
  ): Effect.Effect<A, E | SecretsError, R> =>
    Effect.gen(function*() {
      // Checked before the first read, not at the first auth failure: a bad option must not wait for an incident.
      const settings = yield* resolve(options)
      const current = yield* source.get(secretId)
      const detour = detours.get(secretId)
      if (detour !== undefined && detour.refused !== current.versionId) detours.delete(secretId)
      const onDetour = detour !== undefined && detour.refused === current.versionId
      const first = onDetour
        ? yield* Effect.orElseSucceed(source.get(secretId, { versionId: detour.working }), () => current)
        : current
      const outcome = yield* Effect.result(use(first))
      if (Result.isSuccess(outcome)) return outcome.success
      const original = outcome.failure
      if (!options.isAuthFailure(original)) return yield* Effect.fail(original)
      // Only the detour this call took is dropped: another fiber may have found a newer one meanwhile.
      if (onDetour && detours.get(secretId) === detour) detours.delete(secretId)
      return yield* recover(secretId, use, options, settings, [current.versionId, first.versionId], original)
    })

  // Finds the credential that works now; see the module's comment for the steps.
  const recover = <A, E, R>(
    secretId: string,
    use: (secret: SecretValue) => Effect.Effect<A, E, R>,
    options: WithSecretOptions<E>,
    settings: Settings,
    refused: ReadonlyArray<string>,
    original: E
  ): Effect.Effect<A, E | SecretsError, R> =>
    Effect.gen(function*() {
      const { base, budgetDuration, maxDelay, minInterval } = settings
      const nanos = (duration: Duration.Duration) => Duration.toMillis(duration) * 1e6
      // The policy decides which version is worth a try and how long to wait; this runs the tries and the waits.
      const search = new RotationSearch.RotationSearch(
        { base: nanos(base), max: nanos(maxDelay), budget: nanos(budgetDuration) },
        refused
      )

      // Runs `use` with a version not known to fail: its success ends the search, its auth failure marks the version.
      const tryVersion = (secret: SecretValue) =>
        Effect.gen(function*() {
          if (!search.worthTrying(secret.versionId)) return Result.fail(undefined)
          const attempt = yield* Effect.result(use(secret))
          if (Result.isSuccess(attempt)) return Result.succeed(attempt.success)
          if (!options.isAuthFailure(attempt.failure)) return yield* Effect.fail(attempt.failure)
          search.refused(secret.versionId)
          return Result.fail(undefined)
        })

      while (true) {
        // A transient failure of the refresh (throttled in a rotation storm) is "nothing new yet": wait and try again.
        // A revocation (deleted, denied) ends the search with that error.
        const refreshed = yield* Effect.result(source.forceRefresh(secretId, undefined, minInterval))
        if (Result.isFailure(refreshed) && !isTransient(refreshed.failure)) return yield* Effect.fail(refreshed.failure)
        const current = Result.isSuccess(refreshed) ? refreshed.success : undefined
        const withCurrent = current === undefined ? Result.fail(undefined) : yield* tryVersion(current)
        if (Result.isSuccess(withCurrent)) return withCurrent.success
        // No pending version (or none readable): nothing to try but waiting for AWSCURRENT to move.
        const pending = yield* Effect.result(source.forceRefresh(secretId, { versionStage: "AWSPENDING" }, minInterval))
        if (Result.isSuccess(pending)) {
          const withPending = yield* tryVersion(pending.success)
          if (Result.isSuccess(withPending)) {
            if (current !== undefined) {
              detours.set(secretId, { refused: current.versionId, working: pending.success.versionId })
            }
            return withPending.success
          }
        }
        const next = search.next()
        if (next._tag === "GiveUp") return yield* Effect.fail(original)
        yield* Effect.sleep(Duration.nanos(BigInt(Math.round(next.delay))))
      }
    })

  return run
}

interface Settings {
  readonly minInterval: Duration.Duration
  readonly base: Duration.Duration
  readonly maxDelay: Duration.Duration
  readonly budgetDuration: Duration.Duration
}

const resolve = <E>(options: WithSecretOptions<E>): Effect.Effect<Settings> => {
  if (typeof options !== "object" || options === null || typeof options.isAuthFailure !== "function") {
    return Effect.die(new InvalidSecretsOptions({ option: "withSecret.isAuthFailure", reason: "must be a function" }))
  }
  return Effect.all({
    minInterval: duration("minRefreshInterval", options.minRefreshInterval, defaults.minRefreshInterval),
    base: duration("waitForRotation.base", options.waitForRotation?.base, defaults.base),
    maxDelay: duration("waitForRotation.max", options.waitForRotation?.max, defaults.max),
    budgetDuration: duration("waitForRotation.budget", options.waitForRotation?.budget, defaults.budget)
  })
}

// Options of a call are code: one that is not a duration, or a negative or NaN one, is a defect naming the option.
const duration = (option: string, input: Duration.Input | undefined, fallback: Duration.Duration) => {
  if (input === undefined) return Effect.succeed(fallback)
  const millis = durationMillis(input)
  return millis !== undefined
    ? Effect.succeed(Duration.millis(millis))
    : Effect.die(
      new InvalidSecretsOptions({
        option: `withSecret.${option}`,
        reason: "must be a duration (such as \"5 seconds\") of zero or more, at most ten years"
      })
    )
}
