/**
 * Between the AWS SDK and the core's types: responses to `SecretValue`s, SDK exceptions to `SecretStoreError`s.
 * No error keeps the SDK's exception as its cause: it can hold the raw response or the signed request.
 *
 * @internal
 */
import type { GetSecretValueCommandOutput, SecretValueEntry } from "@aws-sdk/client-secrets-manager"
import type { SecretStoreError, SecretValue } from "@effect-secrets/core"
import { SecretAccessDenied, SecretNotFound, SecretRequestRejected, SecretsUnavailable } from "@effect-secrets/core"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"

/** @internal */
export const toSecretValue = (
  secretId: string,
  out: GetSecretValueCommandOutput | SecretValueEntry
): Either.Either<SecretValue, SecretStoreError> => {
  const metadata = {
    secretId,
    name: out.Name ?? secretId,
    arn: out.ARN ?? "",
    versionId: out.VersionId ?? "",
    versionStages: out.VersionStages ?? [],
    createdDate: out.CreatedDate
  }
  if (out.SecretString !== undefined) {
    return Either.right({ ...metadata, kind: "string", value: Redacted.make(out.SecretString) })
  }
  if (out.SecretBinary !== undefined) {
    return Either.right({ ...metadata, kind: "binary", value: Redacted.make(out.SecretBinary) })
  }
  return Either.left(
    new SecretRequestRejected({ secretId, reason: "the version holds no SecretString or SecretBinary" })
  )
}

const throttling = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "SlowDown"
])

// Credentials that are missing, wrong or expired: the caller cannot read the secret, and waiting will not help.
const notAuthorized = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "CredentialsProviderError"
])

const network = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET"
])

/**
 * Maps an SDK exception (or an error code of a batch response) to the core's errors, by name: AWS's error names are
 * its contract, the messages are not.
 *
 * @internal
 */
export const toStoreError = (secretId: string, error: unknown): SecretStoreError => {
  const name = errorName(error)
  const status = Predicate.hasProperty(error, "$metadata") && Predicate.hasProperty(error.$metadata, "httpStatusCode")
    ? Number(error.$metadata.httpStatusCode)
    : undefined
  const code = Predicate.hasProperty(error, "code") ? String(error.code) : undefined
  if (name === "ResourceNotFoundException") return new SecretNotFound({ secretId })
  if (name === "DecryptionFailure") {
    return new SecretAccessDenied({
      secretId,
      reason: "DecryptionFailure: the secret's KMS key could not be used (kms:Decrypt permission or key state)"
    })
  }
  if (notAuthorized.has(name) || status === 403) return new SecretAccessDenied({ secretId, reason: name })
  if (name === "InvalidRequestException" || name === "InvalidParameterException") {
    return new SecretRequestRejected({ secretId, reason: name })
  }
  if (throttling.has(name) || status === 429) return new SecretsUnavailable({ secretId, reason: "throttled" })
  if (name === "InternalServiceError" || (status !== undefined && status >= 500)) {
    return new SecretsUnavailable({ secretId, reason: "server" })
  }
  if (name === "TimeoutError" || code === "ETIMEDOUT") return new SecretsUnavailable({ secretId, reason: "timeout" })
  if ((code !== undefined && network.has(code)) || network.has(name)) {
    return new SecretsUnavailable({ secretId, reason: "network" })
  }
  // Any other 4xx is a request Secrets Manager will keep refusing; anything else we cannot place is treated as
  // transient, so the cache rides it out on the previous value.
  if (status !== undefined && status >= 400) return new SecretRequestRejected({ secretId, reason: name })
  return new SecretsUnavailable({ secretId, reason: "unavailable" })
}

const errorName = (error: unknown): string => {
  if (typeof error === "string") return error
  if (Predicate.hasProperty(error, "name") && typeof error.name === "string" && error.name !== "Error") {
    return error.name
  }
  if (Predicate.hasProperty(error, "code") && typeof error.code === "string") return error.code
  return "UnknownError"
}
