/** @internal */
import * as Either from "effect/Either"
import { InvalidSecretId } from "../SecretsError.js"
import type { SecretRequest, VersionSelector } from "../SecretValue.js"

// Secrets Manager's rules: a name of ASCII letters, digits and /_+=.@-, or an ARN (a partial one too), 1..2048 long.
const name = /^[A-Za-z0-9/_+=.@-]+$/
const arn = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/
// Version ids are UUIDs (32..64 characters); staging labels are 1..256 characters.
const versionId = /^[A-Za-z0-9-]{32,64}$/
const versionStage = /^[A-Za-z0-9/_+=.@-]{1,256}$/

/** @internal */
export const validateRequest = (
  secretId: string,
  options: VersionSelector | undefined
): Either.Either<SecretRequest, InvalidSecretId> => {
  // The id as given, cut short: something pasted by mistake (a value instead of an id) must not travel far.
  const shown = String(secretId).length > 256 ? `${String(secretId).slice(0, 256)}…` : String(secretId)
  const invalid = (reason: string) => Either.left(new InvalidSecretId({ secretId: shown, reason }))
  if (typeof secretId !== "string" || secretId.length === 0) return invalid("must be a non-empty string")
  if (secretId.length > 2048) return invalid("must be at most 2048 characters")
  if (!(name.test(secretId) || arn.test(secretId))) {
    return invalid("must be a secret name (ASCII letters, digits and /_+=.@-) or a Secrets Manager ARN")
  }
  const stage = options?.versionStage
  if (stage !== undefined && !(typeof stage === "string" && versionStage.test(stage))) {
    return invalid("versionStage must be 1 to 256 characters of ASCII letters, digits and /_+=.@-")
  }
  const id = options?.versionId
  if (id !== undefined && !(typeof id === "string" && versionId.test(id))) {
    return invalid("versionId must be 32 to 64 characters of ASCII letters, digits and -")
  }
  return Either.right({ secretId, versionStage: stage, versionId: id })
}

/**
 * The cache key of a request: the id alone for the common case (no allocation), the id with its version selector
 * otherwise, so `AWSCURRENT` and `AWSPREVIOUS` of one secret are separate entries.
 *
 * @internal
 */
export const cacheKey = (secretId: string, options: VersionSelector | undefined): string =>
  options === undefined || (options.versionStage === undefined && options.versionId === undefined)
    ? secretId
    : `${secretId}\u0000${options.versionStage ?? ""}\u0000${options.versionId ?? ""}`
