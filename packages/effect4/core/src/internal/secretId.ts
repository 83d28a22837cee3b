/**
 * Rule "validate first" and the cache keys, from the policy, as the core's types and errors.
 *
 * @internal
 */
import { SecretRequest as Policy } from "@effect-secrets/policy"
import * as Result from "effect/Result"
import { InvalidSecretId } from "../SecretsError.js"
import type { SecretRequest, VersionSelector } from "../SecretValue.js"

/** @internal */
export const validateRequest = (
  secretId: string,
  options: VersionSelector | undefined
): Result.Result<SecretRequest, InvalidSecretId> => {
  const checked = Policy.validate(secretId, options)
  return checked._tag === "Valid"
    ? Result.succeed(checked.request)
    : Result.fail(new InvalidSecretId({ secretId: checked.shown, reason: checked.reason }))
}

/** @internal */
export const showId: (secretId: unknown) => string = Policy.showId

/** @internal */
export const cacheKey: (secretId: string, options: VersionSelector | undefined) => string | undefined = Policy.cacheKey
