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
  // JavaScript callers and untyped JSON reach here too: nothing below may assume the types hold.
  const shown = showId(secretId)
  const invalid = (reason: string) => Either.left(new InvalidSecretId({ secretId: shown, reason }))
  if (typeof secretId !== "string" || secretId.length === 0) return invalid("must be a non-empty string")
  if (options !== undefined && !isSelector(options)) {
    return invalid("the version selector must be an object with a string versionStage and/or versionId, or left out")
  }
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
 * An id as it may be shown in an error or a span: a string cut short (something pasted by mistake, a value instead of
 * an id, must not travel far), and only the type of anything else.
 *
 * @internal
 */
export const showId = (secretId: unknown): string =>
  typeof secretId !== "string"
    ? `<${secretId === null ? "null" : typeof secretId}>`
    : secretId.length > 256
    ? `${secretId.slice(0, 256)}…`
    : secretId

const isSelector = (options: unknown): options is VersionSelector =>
  typeof options === "object" && options !== null && !Array.isArray(options) &&
  isOptionalString((options as VersionSelector).versionStage) &&
  isOptionalString((options as VersionSelector).versionId)

const isOptionalString = (u: unknown) => u === undefined || typeof u === "string"

/**
 * The cache key of a request: the id alone for the common case (no allocation), the id with its version selector
 * otherwise, so `AWSCURRENT` and `AWSPREVIOUS` of one secret are separate entries. `undefined` for a selector that is
 * not one (`null`, a string): such a read can hit no entry and fails validation.
 *
 * @internal
 */
export const cacheKey = (secretId: string, options: VersionSelector | undefined): string | undefined =>
  options === undefined
    ? secretId
    : !isSelector(options)
    ? undefined
    : options.versionStage === undefined && options.versionId === undefined
    ? secretId
    : `${secretId}\u0000${options.versionStage ?? ""}\u0000${options.versionId ?? ""}`

/**
 * Whether a slot's validated request is exactly this read: an invalid id or selector could spell another entry's key,
 * so only the very request that was validated may hit.
 *
 * @internal
 */
export const sameRequest = (request: SecretRequest, secretId: string, options: VersionSelector | undefined): boolean =>
  request.secretId === secretId &&
  (options === undefined ||
    (request.versionStage === options.versionStage && request.versionId === options.versionId))
