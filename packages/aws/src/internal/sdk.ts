/**
 * Between the AWS SDK and the core's types: responses to `SecretValue`s, SDK exceptions to `SecretStoreError`s.
 * No error keeps the SDK's exception as its cause or its message: it can hold the raw response, the signed request or
 * the endpoint URL. What an error says comes from `errorTable` below, fixed text per known error.
 *
 * @internal
 */
import type { GetSecretValueCommandOutput, SecretValueEntry } from "@aws-sdk/client-secrets-manager"
import type { SecretRequest, SecretStoreError, SecretValue, UnavailableReason } from "@effect-secrets/core"
import {
  SecretAccessDenied,
  SecretNotFound,
  SecretRequestRejected,
  SecretsMisconfigured,
  SecretsUnavailable
} from "@effect-secrets/core"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"

/**
 * What one error becomes.
 *
 * @internal
 */
export type Mapping =
  | { readonly _tag: "SecretNotFound" }
  | { readonly _tag: "SecretAccessDenied"; readonly reason?: string }
  | { readonly _tag: "SecretRequestRejected" }
  | { readonly _tag: "SecretsMisconfigured"; readonly reason: string }
  | { readonly _tag: "SecretsUnavailable"; readonly reason: UnavailableReason; readonly detail?: string }

/**
 * One row of the classification: the error's name (an AWS error name, or for errors the SDK raises in this process
 * before any answer, the name or fixed message it raises them with), the HTTP status AWS answers it with (`undefined`:
 * raised in this process), what it becomes, and why.
 *
 * @internal
 */
export interface ErrorRow {
  readonly name: string
  readonly status: number | undefined
  readonly maps: Mapping
  readonly why: string
}

const notFound: Mapping = { _tag: "SecretNotFound" }
const denied: Mapping = { _tag: "SecretAccessDenied" }
const rejected: Mapping = { _tag: "SecretRequestRejected" }
const throttled: Mapping = { _tag: "SecretsUnavailable", reason: "throttled" }
const server: Mapping = { _tag: "SecretsUnavailable", reason: "server" }
const timeout: Mapping = { _tag: "SecretsUnavailable", reason: "timeout" }
const network: Mapping = { _tag: "SecretsUnavailable", reason: "network" }
const credentials = (detail: string): Mapping => ({ _tag: "SecretsUnavailable", reason: "credentials", detail })
const misconfigured = (reason: string): Mapping => ({ _tag: "SecretsMisconfigured", reason })

const signing = "AWS could not authenticate this process's request; the secret is not refused to the principal"

/**
 * Every error name the stores know, in one table (the README's "Errors" table mirrors it row by row). Authentication
 * failures (this process could not prove who it is) are transient `SecretsUnavailable` ("credentials"): the SDK renews
 * credentials and corrects clock skew by itself, and a cached value stays valid meanwhile. Authorization failures (AWS
 * refuses this principal the secret) are `SecretAccessDenied`, and evict.
 *
 * @internal
 */
export const errorTable: ReadonlyArray<ErrorRow> = [
  // GetSecretValue's and BatchGetSecretValue's own errors.
  { name: "ResourceNotFoundException", status: 400, maps: notFound, why: "no such secret, or no such version" },
  {
    name: "DecryptionFailure",
    status: 400,
    maps: {
      _tag: "SecretAccessDenied",
      reason: "DecryptionFailure: the secret's KMS key could not be used (kms:Decrypt permission or key state)"
    },
    why: "the principal may not use the secret's KMS key"
  },
  {
    name: "InvalidRequestException",
    status: 400,
    maps: rejected,
    why: "the secret's state forbids the read (scheduled for deletion)"
  },
  { name: "InvalidParameterException", status: 400, maps: rejected, why: "a parameter Secrets Manager refuses" },
  { name: "InvalidNextTokenException", status: 400, maps: rejected, why: "a batch page token it refuses" },
  { name: "InternalServiceError", status: 500, maps: server, why: "Secrets Manager failed on its side" },
  // Authorization: AWS refuses this principal the secret.
  { name: "AccessDeniedException", status: 400, maps: denied, why: "IAM or a resource policy refuses the principal" },
  { name: "AccessDenied", status: 403, maps: denied, why: "the same, as some endpoints name it" },
  { name: "NotAuthorized", status: 400, maps: denied, why: "the principal may not call the action" },
  // Authentication: this process could not sign the request well enough.
  {
    name: "UnrecognizedClientException",
    status: 400,
    maps: credentials("UnrecognizedClientException: AWS does not know this process's access key or session token"),
    why: signing
  },
  {
    name: "InvalidClientTokenId",
    status: 403,
    maps: credentials("InvalidClientTokenId: AWS does not know this process's access key"),
    why: signing
  },
  {
    name: "InvalidSignatureException",
    status: 400,
    maps: credentials("InvalidSignatureException: the request's signature does not match (secret key or clock)"),
    why: signing
  },
  {
    name: "SignatureDoesNotMatch",
    status: 403,
    maps: credentials("SignatureDoesNotMatch: the request's signature does not match (secret key or clock)"),
    why: signing
  },
  {
    name: "IncompleteSignature",
    status: 400,
    maps: credentials("IncompleteSignature: the request's signature is incomplete"),
    why: signing
  },
  {
    name: "MissingAuthenticationToken",
    status: 403,
    maps: credentials("MissingAuthenticationToken: the request was not signed"),
    why: signing
  },
  {
    name: "MissingAuthenticationTokenException",
    status: 403,
    maps: credentials("MissingAuthenticationTokenException: the request was not signed"),
    why: signing
  },
  {
    name: "ExpiredTokenException",
    status: 400,
    maps: credentials("ExpiredTokenException: this process's session credentials have expired"),
    why: "the SDK renews expiring credentials; the secret is not refused"
  },
  {
    name: "RequestExpired",
    status: 400,
    maps: credentials("RequestExpired: the request's signature time is too old (clock skew)"),
    why: "the SDK corrects clock skew from the answer"
  },
  {
    name: "RequestTimeTooSkewed",
    status: 403,
    maps: credentials("RequestTimeTooSkewed: this host's clock is too far from AWS's"),
    why: "the SDK corrects clock skew from the answer"
  },
  {
    name: "RequestInTheFuture",
    status: 400,
    maps: credentials("RequestInTheFuture: this host's clock is ahead of AWS's"),
    why: "the SDK corrects clock skew from the answer"
  },
  {
    name: "AuthFailure",
    status: 401,
    maps: credentials("AuthFailure: AWS could not authenticate this process's credentials"),
    why: signing
  },
  // Setup: waiting will not fix it, and serving stale would hide it.
  {
    name: "OptInRequired",
    status: 403,
    maps: misconfigured("OptInRequired: the account is not subscribed to Secrets Manager in this region"),
    why: "an account or region setting"
  },
  // Throttling, as the SDK's own retry strategy names it.
  { name: "ThrottlingException", status: 400, maps: throttled, why: "over the request rate" },
  { name: "Throttling", status: 400, maps: throttled, why: "over the request rate" },
  { name: "ThrottledException", status: 400, maps: throttled, why: "over the request rate" },
  { name: "TooManyRequestsException", status: 429, maps: throttled, why: "over the request rate" },
  { name: "RequestLimitExceeded", status: 400, maps: throttled, why: "over the request rate" },
  { name: "RequestThrottled", status: 400, maps: throttled, why: "over the request rate" },
  { name: "RequestThrottledException", status: 400, maps: throttled, why: "over the request rate" },
  { name: "LimitExceededException", status: 400, maps: throttled, why: "over a rate or concurrency limit" },
  { name: "BandwidthLimitExceeded", status: 400, maps: throttled, why: "over a rate limit" },
  { name: "ProvisionedThroughputExceededException", status: 400, maps: throttled, why: "over a rate limit" },
  { name: "PriorRequestNotComplete", status: 400, maps: throttled, why: "a previous request still runs" },
  { name: "TransactionInProgressException", status: 400, maps: throttled, why: "a previous request still runs" },
  { name: "SlowDown", status: 503, maps: throttled, why: "over the request rate" },
  // Secrets Manager or its front door failing for now.
  { name: "InternalFailure", status: 500, maps: server, why: "AWS failed on its side" },
  { name: "ServiceUnavailable", status: 503, maps: server, why: "AWS is unavailable for now" },
  { name: "RequestTimeout", status: 408, maps: timeout, why: "the request took too long to arrive" },
  { name: "RequestTimeoutException", status: 408, maps: timeout, why: "the request took too long to arrive" },
  // Requests AWS will keep refusing.
  { name: "ValidationException", status: 400, maps: rejected, why: "the request does not validate" },
  { name: "ValidationError", status: 400, maps: rejected, why: "the request does not validate" },
  { name: "SerializationException", status: 400, maps: rejected, why: "the request body could not be read" },
  { name: "UnknownOperationException", status: 400, maps: rejected, why: "the endpoint does not know the action" },
  { name: "InvalidAction", status: 400, maps: rejected, why: "the endpoint does not know the action" },
  { name: "MissingParameter", status: 400, maps: rejected, why: "a required parameter is missing" },
  { name: "InvalidParameterValue", status: 400, maps: rejected, why: "a parameter Secrets Manager refuses" },
  { name: "InvalidParameterCombination", status: 400, maps: rejected, why: "parameters that do not go together" },
  // Raised by the SDK in this process, before or instead of an answer.
  {
    name: "CredentialsProviderError",
    status: undefined,
    maps: credentials("CredentialsProviderError: the SDK's credential providers could not supply credentials"),
    why: "this process could not get credentials to sign with (an instance or container endpoint, a profile)"
  },
  {
    name: "TokenProviderError",
    status: undefined,
    maps: credentials("TokenProviderError: the SDK's token providers could not supply a token (SSO)"),
    why: "this process could not get a token to sign with"
  },
  {
    name: "Resolved credential object is not valid",
    status: undefined,
    maps: credentials("the credentials provider returned credentials without an access key or secret key"),
    why: "this process could not sign the request"
  },
  {
    name: "Region is missing",
    status: undefined,
    maps: misconfigured("no AWS region is configured: set AWS_REGION or clientConfig.region"),
    why: "nothing was sent; waiting will not add a region"
  },
  {
    name: "Region not accepted",
    status: undefined,
    maps: misconfigured("the configured AWS region is not a valid hostname component"),
    why: "nothing was sent; the region is a typo"
  },
  {
    name: "ERR_INVALID_URL",
    status: undefined,
    maps: misconfigured(
      "the endpoint is not a valid URL (clientConfig.endpoint, AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL)"
    ),
    why: "nothing was sent; the URL is not in the reason since it may hold credentials"
  },
  {
    name: "EndpointError",
    status: undefined,
    maps: misconfigured("the SDK found no Secrets Manager endpoint for these settings (region, FIPS, dual-stack)"),
    why: "nothing was sent; the settings contradict each other"
  },
  { name: "TimeoutError", status: undefined, maps: timeout, why: "no answer in time" },
  { name: "ETIMEDOUT", status: undefined, maps: timeout, why: "no answer in time" },
  ...["ECONNREFUSED", "ECONNRESET", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_SOCKET"]
    .map((name): ErrorRow => ({ name, status: undefined, maps: network, why: "the connection failed" }))
]

const byName: ReadonlyMap<string, ErrorRow> = new Map(errorTable.map((row) => [row.name, row]))

// The SDK's own fixed messages for an EndpointError (the client's endpoint rules): nothing in them comes from input.
const endpointMessages = new Set([
  "Invalid Configuration: Missing Region",
  "Invalid Configuration: FIPS and custom endpoint are not supported",
  "Invalid Configuration: Dualstack and custom endpoint are not supported",
  "FIPS and DualStack are enabled, but this partition does not support one or both",
  "FIPS is enabled but this partition does not support FIPS",
  "DualStack is enabled but this partition does not support DualStack"
])

/**
 * An answer that is not what was asked for: unreadable, of the wrong shape, or about another secret or version.
 * Garbage on the wire says nothing about the secret: transient, like any other answer that did not arrive.
 *
 * @internal
 */
export const unreadable = (secretId: string, detail = "the answer could not be read"): SecretsUnavailable =>
  new SecretsUnavailable({ secretId, reason: "unavailable", detail })

const string = (value: unknown): value is string => typeof value === "string"

// A full ARN is the partial ARN, "-", and six random characters.
const suffix = /-[A-Za-z0-9]{6}$/

/**
 * The ARN without its random suffix, the form a caller may name a secret by.
 *
 * @internal
 */
export const partialArn = (arn: string): string | undefined => suffix.test(arn) ? arn.slice(0, -7) : undefined

// The secret's name, from its full ARN.
const nameOfArn = (arn: string): string | undefined => {
  const at = arn.indexOf(":secret:")
  const partial = partialArn(arn)
  return at === -1 || partial === undefined || partial.length <= at + 8 ? undefined : partial.slice(at + 8)
}

/**
 * How an answer (its `Name` and `ARN`) is a requested id's: `exact` by name or full ARN, `partial` by the ARN without
 * its suffix, or not at all. Names cannot hold ":", so an id that starts with "arn:" is always an ARN. An answer whose
 * name and ARN disagree is no one's.
 *
 * @internal
 */
export const claim = (secretId: string, name: unknown, arn: unknown): "exact" | "partial" | undefined => {
  if (name !== undefined && !string(name)) return undefined
  if (arn !== undefined && !string(arn)) return undefined
  if (name !== undefined && arn !== undefined && nameOfArn(arn) !== name) return undefined
  if (!secretId.startsWith("arn:")) {
    return (name ?? (arn === undefined ? undefined : nameOfArn(arn))) === secretId ? "exact" : undefined
  }
  if (arn === undefined) return undefined
  if (arn === secretId) return "exact"
  return partialArn(arn) === secretId ? "partial" : undefined
}

/**
 * A `GetSecretValue` answer or a `BatchGetSecretValue` entry to a `SecretValue`, once checked: every field of the
 * type the API documents, and the answer about the requested secret and version.
 *
 * @internal
 */
export const toSecretValue = (
  request: SecretRequest,
  out: GetSecretValueCommandOutput | SecretValueEntry
): Either.Either<SecretValue, SecretStoreError> => {
  const { secretId } = request
  if (!Predicate.isRecord(out)) return Either.left(unreadable(secretId))
  const { ARN, CreatedDate, Name, SecretBinary, SecretString, VersionId, VersionStages } = out as Record<
    string,
    unknown
  >
  const stages = VersionStages ?? []
  if (
    (ARN !== undefined && !string(ARN)) || (Name !== undefined && !string(Name)) ||
    (VersionId !== undefined && !string(VersionId)) ||
    !(Array.isArray(stages) && stages.every(string)) ||
    (CreatedDate !== undefined && !(CreatedDate instanceof Date)) ||
    (SecretString !== undefined && !string(SecretString)) ||
    (SecretBinary !== undefined && !(SecretBinary instanceof Uint8Array))
  ) {
    return Either.left(unreadable(secretId))
  }
  if (SecretString === undefined && SecretBinary === undefined) {
    return Either.left(unreadable(secretId, "the answer holds no SecretString or SecretBinary"))
  }
  // Only an answer about the requested secret and version reaches the request.
  const versionMatches = request.versionId === undefined && request.versionStage === undefined
    ? stages.length === 0 || stages.includes("AWSCURRENT")
    : (request.versionId === undefined || VersionId === request.versionId) &&
      (request.versionStage === undefined || stages.includes(request.versionStage))
  if (claim(secretId, Name, ARN) === undefined || !versionMatches) {
    return Either.left(unreadable(secretId, "the answer is about another secret or version"))
  }
  const metadata = {
    secretId,
    name: Name ?? secretId,
    arn: ARN ?? "",
    versionId: VersionId ?? "",
    versionStages: stages,
    createdDate: CreatedDate
  }
  return SecretString !== undefined
    ? Either.right({ ...metadata, kind: "string", value: Redacted.make(SecretString) })
    : Either.right({ ...metadata, kind: "binary", value: Redacted.make(SecretBinary as Uint8Array) })
}

// AWS error names are letters and digits; anything else is not echoed into an error.
const awsName = /^[A-Za-z][A-Za-z0-9]{0,99}$/

const statusOf = (error: unknown): number | undefined =>
  Predicate.hasProperty(error, "$metadata") && Predicate.hasProperty(error.$metadata, "httpStatusCode") &&
    typeof error.$metadata.httpStatusCode === "number"
    ? error.$metadata.httpStatusCode
    : undefined

// The table's key for an error: its AWS name, or how the SDK raised it in this process.
const keyOf = (error: unknown): string | undefined => {
  if (typeof error === "string") return awsName.test(error) ? error : undefined
  const name = Predicate.hasProperty(error, "name") && string(error.name) ? error.name : undefined
  const code = Predicate.hasProperty(error, "code") && string(error.code) ? error.code : undefined
  const message = Predicate.hasProperty(error, "message") && string(error.message) ? error.message : ""
  if (code === "ERR_INVALID_URL") return code
  if (name === "Error" || name === undefined) {
    if (message === "Region is missing") return message
    if (message.startsWith("Region not accepted:")) return "Region not accepted"
    if (message === "Resolved credential object is not valid") return message
    return code !== undefined && byName.has(code) ? code : undefined
  }
  if (code !== undefined && byName.has(code) && !byName.has(name)) return code
  return awsName.test(name) ? name : undefined
}

const make = (request: SecretRequest, name: string, mapping: Mapping): SecretStoreError => {
  const { secretId } = request
  switch (mapping._tag) {
    case "SecretNotFound":
      return new SecretNotFound({
        secretId,
        ...(request.versionId === undefined ? {} : { versionId: request.versionId }),
        ...(request.versionStage === undefined ? {} : { versionStage: request.versionStage })
      })
    case "SecretAccessDenied":
      return new SecretAccessDenied({ secretId, reason: mapping.reason ?? name })
    case "SecretRequestRejected":
      return new SecretRequestRejected({ secretId, reason: name })
    case "SecretsMisconfigured":
      return new SecretsMisconfigured({ secretId, reason: mapping.reason })
    case "SecretsUnavailable":
      return new SecretsUnavailable({
        secretId,
        reason: mapping.reason,
        ...(mapping.detail === undefined ? {} : { detail: mapping.detail })
      })
  }
}

/**
 * Maps an SDK exception (or an error code of a batch entry) to the core's errors, through `errorTable` by name: AWS's
 * error names are its contract, the messages are not. A name not in the table is placed by its HTTP status.
 *
 * @internal
 */
export const toStoreError = (request: SecretRequest, error: unknown): SecretStoreError => {
  const status = statusOf(error)
  const key = keyOf(error)
  const row = key === undefined ? undefined : byName.get(key)
  if (row !== undefined) {
    if (row.name === "EndpointError" && Predicate.hasProperty(error, "message") && string(error.message)) {
      // The endpoint rules' own messages are fixed text; anything else may quote the settings.
      if (endpointMessages.has(error.message)) {
        return new SecretsMisconfigured({ secretId: request.secretId, reason: `EndpointError: ${error.message}` })
      }
    }
    return make(request, row.name, row.maps)
  }
  const label = key ?? (status === undefined ? "an unnamed error" : `HTTP ${status}`)
  // A 2xx the SDK could not deserialize (not JSON, bad base64): garbage on the wire.
  if (status !== undefined && status >= 200 && status < 300) return unreadable(request.secretId)
  if (status === 403) return make(request, label, denied)
  if (status === 429) return make(request, label, throttled)
  if (status !== undefined && status >= 500) return make(request, label, server)
  // Any other 4xx is a request Secrets Manager will keep refusing; anything else we cannot place is treated as
  // transient, so the cache rides it out on the previous value.
  if (status !== undefined && status >= 400) return make(request, label, rejected)
  return new SecretsUnavailable({ secretId: request.secretId, reason: "unavailable" })
}

/**
 * An exception from building the client: always a setup error, placed by the table when it knows it.
 *
 * @internal
 */
export const toClientError = (request: SecretRequest, error: unknown): SecretStoreError => {
  const mapped = toStoreError(request, error)
  if (mapped._tag === "SecretsMisconfigured") return mapped
  const key = keyOf(error)
  return new SecretsMisconfigured({
    secretId: request.secretId,
    reason: `the SDK could not build a client from these settings${key === undefined ? "" : ` (${key})`}`
  })
}

/**
 * What a `BatchGetSecretValue` call answered, per requested id: the answers that are unambiguously that id's, and the
 * ids that must be read alone.
 *
 * @internal
 */
export interface BatchAnswers {
  readonly answered: ReadonlyMap<string, Either.Either<SecretValue, SecretStoreError>>
  readonly unanswered: ReadonlyArray<string>
}

/**
 * Gives each requested id the answer that is unambiguously its own: an entry claimed by exact name or full ARN, or by
 * partial ARN when that entry is the id's only candidate and no other requested id claims it; an error entry whose
 * `SecretId` is exactly the id, when no entry claims it. Every other id (no answer, several candidates, an unreadable
 * entry) is left to be read alone. Only requested ids are ever answered.
 *
 * @internal
 */
export const assignBatch = (
  secretIds: ReadonlyArray<string>,
  entries: ReadonlyArray<unknown>,
  errors: ReadonlyArray<unknown>
): BatchAnswers => {
  // Entries that repeat one secret version (two ids naming one secret) count as one candidate.
  const distinct = new Map<string, Record<string, unknown>>()
  for (const entry of entries) {
    if (!Predicate.isRecord(entry)) continue
    const key = JSON.stringify([entry.ARN, entry.Name, entry.VersionId])
    if (!distinct.has(key)) distinct.set(key, entry)
  }
  const candidates = new Map<string, Array<{ readonly key: string; readonly kind: "exact" | "partial" }>>()
  const claimers = new Map<string, number>()
  for (const secretId of secretIds) {
    const found: Array<{ readonly key: string; readonly kind: "exact" | "partial" }> = []
    for (const [key, entry] of distinct) {
      const kind = claim(secretId, entry.Name, entry.ARN)
      if (kind === undefined) continue
      found.push({ key, kind })
      claimers.set(key, (claimers.get(key) ?? 0) + 1)
    }
    candidates.set(secretId, found)
  }
  const codes = new Map<string, Set<unknown>>()
  for (const error of errors) {
    if (!Predicate.isRecord(error) || !string(error.SecretId)) continue
    const set = codes.get(error.SecretId) ?? new Set()
    set.add(error.ErrorCode)
    codes.set(error.SecretId, set)
  }
  const answered = new Map<string, Either.Either<SecretValue, SecretStoreError>>()
  const unanswered: Array<string> = []
  for (const secretId of secretIds) {
    const found = candidates.get(secretId) ?? []
    const errorCodes = codes.get(secretId)
    const only = found.length === 1 && errorCodes === undefined ? found[0] : undefined
    if (only !== undefined && (only.kind === "exact" || claimers.get(only.key) === 1)) {
      const value = toSecretValue({ secretId }, distinct.get(only.key) as SecretValueEntry)
      if (Either.isRight(value)) answered.set(secretId, value)
      else unanswered.push(secretId)
      continue
    }
    const [code] = errorCodes ?? []
    // An error code the table does not know is read alone, so its status can place it.
    if (found.length === 0 && errorCodes?.size === 1 && string(code) && byName.has(code)) {
      answered.set(secretId, Either.left(toStoreError({ secretId }, code)))
      continue
    }
    unanswered.push(secretId)
  }
  return { answered, unanswered }
}
