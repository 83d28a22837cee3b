/**
 * `withSecret`: run work with a secret, and when the work fails authentication, find the credential that works now.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { SecretsError } from "../SecretsError.js"
import type { WithSecretOptions } from "../SecretsService.js"
import type { SecretValue, VersionSelector } from "../SecretValue.js"

/** @internal */
export interface Source {
  readonly get: (secretId: string) => Effect.Effect<SecretValue, SecretsError>
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
 *
 * @internal
 */
export const withSecret = (source: Source) => {
  // Per secret: the version found to work while AWSCURRENT still named a refused one (a single-user rotation between
  // setSecret and finishSecret). Later calls start with it, instead of each paying a refused login, until AWSCURRENT
  // moves.
  const detours = new Map<string, { readonly refused: string; readonly working: SecretValue }>()

  const run = <A, E, R>(
    secretId: string,
    use: (secret: SecretValue) => Effect.Effect<A, E, R>,
    options: WithSecretOptions<E>
  ): Effect.Effect<A, E | SecretsError, R> =>
    Effect.gen(function*() {
      const current = yield* source.get(secretId)
      const detour = detours.get(secretId)
      if (detour !== undefined && detour.refused !== current.versionId) detours.delete(secretId)
      const first = detour !== undefined && detour.refused === current.versionId ? detour.working : current
      const outcome = yield* Effect.either(use(first))
      if (Either.isRight(outcome)) return outcome.right
      const original = outcome.left
      if (!options.isAuthFailure(original)) return yield* Effect.fail(original)
      if (first !== current) detours.delete(secretId)
      return yield* recover(secretId, use, options, [current.versionId, first.versionId], original)
    })

  // Finds the credential that works now; see the module's comment for the steps.
  const recover = <A, E, R>(
    secretId: string,
    use: (secret: SecretValue) => Effect.Effect<A, E, R>,
    options: WithSecretOptions<E>,
    refused: ReadonlyArray<string>,
    original: E
  ): Effect.Effect<A, E | SecretsError, R> =>
    Effect.gen(function*() {
      const minInterval = Duration.decode(options.minRefreshInterval ?? defaults.minRefreshInterval)
      const max = Duration.decode(options.waitForRotation?.max ?? defaults.max)
      const budget = Duration.toMillis(options.waitForRotation?.budget ?? defaults.budget)
      let delay = Duration.decode(options.waitForRotation?.base ?? defaults.base)
      let waited = 0
      const failed = new Set(refused)

      // Runs `use` with a version not known to fail: its success ends the search, its auth failure marks the version.
      const tryVersion = (secret: SecretValue) =>
        Effect.gen(function*() {
          if (failed.has(secret.versionId)) return Either.left(undefined)
          const attempt = yield* Effect.either(use(secret))
          if (Either.isRight(attempt)) return Either.right(attempt.right)
          if (!options.isAuthFailure(attempt.left)) return yield* Effect.fail(attempt.left)
          failed.add(secret.versionId)
          return Either.left(undefined)
        })

      while (true) {
        const current = yield* source.forceRefresh(secretId, undefined, minInterval)
        const withCurrent = yield* tryVersion(current)
        if (Either.isRight(withCurrent)) return withCurrent.right
        // No pending version (or none readable): nothing to try but waiting for AWSCURRENT to move.
        const pending = yield* Effect.either(source.forceRefresh(secretId, { versionStage: "AWSPENDING" }, minInterval))
        if (Either.isRight(pending)) {
          const withPending = yield* tryVersion(pending.right)
          if (Either.isRight(withPending)) {
            detours.set(secretId, { refused: current.versionId, working: pending.right })
            return withPending.right
          }
        }
        if (waited + Duration.toMillis(delay) > budget) return yield* Effect.fail(original)
        yield* Effect.sleep(delay)
        waited += Duration.toMillis(delay)
        delay = Duration.min(Duration.times(delay, 2), max)
      }
    })

  return run
}
