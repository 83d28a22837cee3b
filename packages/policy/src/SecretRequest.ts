/**
 * Which reads Secrets Manager accepts, and the cache key of each: the rule "validate first" and the rule "version
 * selectors are keys".
 *
 * @since 0.2.0
 */

/**
 * Which version of a secret to read. Without either field, the `AWSCURRENT` version.
 *
 * @since 0.2.0
 * @category models
 */
export interface VersionSelector {
  readonly versionStage?: string | undefined
  readonly versionId?: string | undefined
}

/**
 * A read that passed validation.
 *
 * @since 0.2.0
 * @category models
 */
export interface SecretRequest extends VersionSelector {
  readonly secretId: string
}

/**
 * What validation says: the request, or why not (with the id as it may be shown: cut short, or its type only).
 *
 * @since 0.2.0
 * @category models
 */
export type Validation =
  | { readonly _tag: "Valid"; readonly request: SecretRequest }
  | { readonly _tag: "Invalid"; readonly shown: string; readonly reason: string }

// Secrets Manager's rules: a name of ASCII letters, digits and /_+=.@-, or an ARN (a partial one too), 1..2048 long.
const name = /^[A-Za-z0-9/_+=.@-]+$/
const arn = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/
// Version ids are UUIDs (32..64 characters); staging labels are 1..256 characters.
const versionId = /^[A-Za-z0-9-]{32,64}$/
const versionStage = /^[A-Za-z0-9/_+=.@-]{1,256}$/

/**
 * Rule "validate first": a secret id and its selector are checked before any store call. JavaScript callers and
 * untyped JSON reach here too, so nothing is assumed about the types.
 *
 * @since 0.2.0
 * @category validation
 */
export const validate = (secretId: unknown, selector: unknown): Validation => {
  const invalid = (reason: string): Validation => ({ _tag: "Invalid", shown: showId(secretId), reason })
  if (typeof secretId !== "string" || secretId.length === 0) return invalid("must be a non-empty string")
  if (secretId.length > 2048) return invalid("must be at most 2048 characters")
  if (!(name.test(secretId) || arn.test(secretId))) {
    return invalid("must be a secret name (ASCII letters, digits and /_+=.@-) or a Secrets Manager ARN")
  }
  if (selector !== undefined && !isSelector(selector)) {
    return invalid("the version selector must be an object with a string versionStage and/or versionId, or left out")
  }
  const stage = selector?.versionStage
  if (stage !== undefined && !versionStage.test(stage)) {
    return invalid("versionStage must be 1 to 256 characters of ASCII letters, digits and /_+=.@-")
  }
  const id = selector?.versionId
  if (id !== undefined && !versionId.test(id)) {
    return invalid("versionId must be 32 to 64 characters of ASCII letters, digits and -")
  }
  return { _tag: "Valid", request: { secretId, versionStage: stage, versionId: id } }
}

/**
 * An id as it may be shown in an error or a span: a string cut short (something pasted by mistake, a value instead of
 * an id, must not travel far), and only the type of anything else.
 *
 * @since 0.2.0
 * @category validation
 */
export const showId = (secretId: unknown): string =>
  typeof secretId !== "string"
    ? `<${secretId === null ? "null" : typeof secretId}>`
    : secretId.length > 256
    ? `${secretId.slice(0, 256)}…`
    : secretId

const isOptionalString = (u: unknown) => u === undefined || typeof u === "string"

const isSelector = (u: unknown): u is VersionSelector =>
  typeof u === "object" && u !== null && !Array.isArray(u) &&
  isOptionalString((u as VersionSelector).versionStage) && isOptionalString((u as VersionSelector).versionId)

/**
 * Rule "version selectors are keys": the id alone for the common case (no allocation), the id with its selector
 * otherwise, so `AWSCURRENT` and `AWSPREVIOUS` of one secret are separate entries. `undefined` for a selector that is
 * not one: such a read can hit no entry and fails validation. A valid request always has a key, and two valid
 * requests share one only when they are the same read (`\u0000` is in no valid id, stage or version id).
 *
 * @since 0.2.0
 * @category keys
 */
export const cacheKey = (secretId: string, selector: VersionSelector | undefined): string | undefined =>
  selector === undefined
    ? secretId
    : !isSelector(selector)
    ? undefined
    : selector.versionStage === undefined && selector.versionId === undefined
    ? secretId
    : `${secretId}\u0000${selector.versionStage ?? ""}\u0000${selector.versionId ?? ""}`

/**
 * Whether a validated request is exactly this read: an invalid id or selector could spell another entry's key, so
 * only the very request that was validated may hit.
 *
 * @since 0.2.0
 * @category keys
 */
export const sameRequest = (request: SecretRequest, secretId: unknown, selector: VersionSelector | undefined) =>
  request.secretId === secretId &&
  (selector === undefined ||
    (request.versionStage === selector.versionStage && request.versionId === selector.versionId))
