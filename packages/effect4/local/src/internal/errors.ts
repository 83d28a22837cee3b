/**
 * The AWS error vocabulary: one constructor per error Secrets Manager answers with, with AWS's status code.
 *
 * @internal
 */
import { SecretsManagerError } from "../SecretsManagerError.js"

const make = (code: string, status: number) => (message: string): SecretsManagerError =>
  new SecretsManagerError({ code, status, message })

/** @internal */
export const resourceNotFound = make("ResourceNotFoundException", 400)
/** @internal */
export const invalidRequest = make("InvalidRequestException", 400)
/** @internal */
export const invalidParameter = make("InvalidParameterException", 400)
/** @internal */
export const invalidNextToken = make("InvalidNextTokenException", 400)
/** @internal */
export const resourceExists = make("ResourceExistsException", 400)
/** @internal */
export const internalServiceError = make("InternalServiceError", 500)
/** @internal */
export const throttling = make("ThrottlingException", 400)
/** @internal */
export const validation = make("ValidationException", 400)
/** @internal */
export const serialization = make("SerializationException", 400)
/** @internal */
export const unknownOperation = make("UnknownOperationException", 400)

/** @internal */
export const secretNotFound = () => resourceNotFound("Secrets Manager can't find the specified secret.")

/** @internal */
export const markedForDeletion = () =>
  invalidRequest("You can't perform this operation on the secret because it was marked for deletion.")

/** @internal */
export const accessDenied = make("AccessDeniedException", 400)
/** @internal */
export const decryptionFailure = make("DecryptionFailure", 400)

/**
 * The errors a fault can inject, with AWS's status for each.
 *
 * @internal
 */
export const injectable = {
  AccessDeniedException: accessDenied,
  DecryptionFailure: decryptionFailure,
  InternalServiceError: internalServiceError,
  InvalidParameterException: invalidParameter,
  InvalidRequestException: invalidRequest,
  ResourceNotFoundException: resourceNotFound,
  ThrottlingException: throttling
} as const

/**
 * A request refused before any route ran (its `Host` or `Origin`), with 403.
 *
 * @internal
 */
export const forbidden = make("AccessDeniedException", 403)

/**
 * A request body over the limit. Secrets Manager models no error for it; AWS's front ends answer 413, and Lambda
 * names it `RequestEntityTooLargeException`.
 *
 * @internal
 */
export const requestTooLarge = make("RequestEntityTooLargeException", 413)

/** @internal */
export const limitExceeded = make("LimitExceededException", 400)

/** @internal */
export const quotaExceeded = () =>
  limitExceeded("The request failed because it would exceed one of the Secrets Manager quotas.")
