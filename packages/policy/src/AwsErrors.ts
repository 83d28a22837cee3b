/**
 * How the AWS stores classify what went wrong into the core's errors, as data: AWS error names (and the errors the
 * SDK raises in this process) by name through `errorTable`, anything else by its HTTP status through
 * `statusFallback`. Every AWS store of every line of effect-secrets (Effect 3 and Effect 4) reads these tables, so
 * they cannot classify differently; the runtime reads the SDK's exception and builds the error a `Mapping` names.
 *
 * Nothing here echoes the SDK's exception or its message: they can hold the raw response, the signed request or the
 * endpoint URL. What an error says is the table's fixed text, or a name `isEchoable` lets through.
 *
 * @since 0.2.0
 */
import type { FailureKind } from "./CachePolicy.js"

/**
 * Why the store is unavailable for now: the `reason` of the core's `SecretsUnavailable`.
 *
 * @since 0.2.0
 * @category models
 */
export type UnavailableReason = "throttled" | "timeout" | "network" | "server" | "credentials" | "unavailable"

/**
 * What one error becomes: the core's error, by its `_tag`, and the fixed text it carries.
 *
 * @since 0.2.0
 * @category models
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
 * @since 0.2.0
 * @category models
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

/**
 * The table's name for an endpoint the stores refuse to send to (not an `http:` or `https:` URL with a host): not an
 * AWS name, so no answer can carry it. The runtime's endpoint guard raises the error this key stands for.
 *
 * @since 0.2.0
 * @category names
 */
export const endpointNotHttp = "endpoint not http(s)"

const signing = "AWS could not authenticate this process's request; the secret is not refused to the principal"

/**
 * Every error name the stores know, in one table (the aws README's "Errors" table mirrors it row by row).
 * Authentication failures (this process could not prove who it is) are transient `SecretsUnavailable`
 * ("credentials"): the SDK renews credentials and corrects clock skew by itself, and a cached value stays valid
 * meanwhile. Authorization failures (AWS refuses this principal the secret) are `SecretAccessDenied`, and evict.
 *
 * @since 0.2.0
 * @category tables
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
    name: endpointNotHttp,
    status: undefined,
    maps: misconfigured(
      "the endpoint is not an http:// or https:// URL with a host (clientConfig.endpoint, " +
        "AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL); a URL without a scheme, such as localhost:4566, reads " +
        "as one whose scheme is \"localhost:\""
    ),
    why: "nothing was sent (\"localhost:4566\" parses with the scheme \"localhost:\"); the URL is not in the reason"
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

const rows: ReadonlyMap<string, ErrorRow> = new Map(errorTable.map((row) => [row.name, row]))

/**
 * The row of `errorTable` for a name, if it knows it.
 *
 * @since 0.2.0
 * @category classification
 */
export const byName = (name: string): ErrorRow | undefined => rows.get(name)

/**
 * One row of the fallback for an error whose name `errorTable` does not know (or that has none: the SDK names those
 * `Unknown`): its HTTP status, what it becomes, and why.
 *
 * @since 0.2.0
 * @category models
 */
export interface StatusRow {
  readonly status: string
  readonly matches: (status: number) => boolean
  readonly maps: Mapping
  readonly why: string
}

const is = (code: number) => (status: number) => status === code

/**
 * The statuses Secrets Manager answers its API with keep their meaning; any other status did not come from Secrets
 * Manager (a wrong endpoint, host, port or path, a proxy): it says nothing about the secret, so it is transient and
 * evicts nothing. `statusFallback` adds the catch-alls.
 *
 * @since 0.2.0
 * @category tables
 */
export const statusTable: ReadonlyArray<StatusRow> = [
  {
    status: "2xx",
    matches: (status) => status >= 200 && status < 300,
    maps: { _tag: "SecretsUnavailable", reason: "unavailable", detail: "the answer could not be read" },
    why: "an answer the SDK could not read (not JSON, bad base64): garbage on the wire"
  },
  {
    status: "400",
    matches: is(400),
    maps: rejected,
    why: "the status Secrets Manager refuses requests with: it will keep refusing this one"
  },
  {
    status: "401",
    matches: is(401),
    maps: credentials("HTTP 401: the endpoint could not authenticate this process"),
    why: "authentication, not a refusal of the secret"
  },
  { status: "403", matches: is(403), maps: denied, why: "a refusal; a revoked secret is never served stale" },
  {
    status: "407",
    matches: is(407),
    maps: credentials("HTTP 407: a proxy between this process and the endpoint wants credentials"),
    why: "a proxy, not Secrets Manager"
  },
  { status: "408", matches: is(408), maps: timeout, why: "the request took too long to arrive" },
  { status: "429", matches: is(429), maps: throttled, why: "over the request rate" },
  { status: "5xx", matches: (status) => status >= 500 && status < 600, maps: server, why: "the server failed" }
]

const otherStatus: StatusRow = {
  status: "any other (3xx, 404, 405, ...)",
  matches: () => true,
  maps: {
    _tag: "SecretsUnavailable",
    reason: "unavailable",
    detail: "an HTTP status Secrets Manager does not answer with: check the endpoint (host, port, path, proxy)"
  },
  why: "not Secrets Manager's answer (a wrong endpoint, a proxy): it says nothing about the secret"
}

const noStatus: StatusRow = {
  status: "none",
  matches: () => false,
  maps: { _tag: "SecretsUnavailable", reason: "unavailable" },
  why: "an exception that cannot be placed: ridden out on the previous value"
}

/**
 * The fallback's rows in order, the catch-alls included (the aws README's second error table mirrors it row by row).
 *
 * @since 0.2.0
 * @category tables
 */
export const statusFallback: ReadonlyArray<StatusRow> = [...statusTable, otherStatus, noStatus]

/**
 * The row of `statusFallback` for an HTTP status (`undefined`: no answer carried one).
 *
 * @since 0.2.0
 * @category classification
 */
export const byStatus = (status: number | undefined): StatusRow =>
  status === undefined ? noStatus : statusTable.find((row) => row.matches(status)) ?? otherStatus

// AWS error names are letters and digits; anything else is not echoed into an error.
const awsName = /^[A-Za-z][A-Za-z0-9]{0,99}$/

// Not error names: what the SDK names an error answer that carries none, and JavaScript's own errors (a body that is
// not JSON fails to parse with a SyntaxError that keeps the answer's status).
const unnamed: ReadonlySet<string> = new Set(["Unknown", "UnknownError", "SyntaxError", "TypeError", "RangeError"])

/**
 * Whether a name an error carries may be echoed into the core's error (as the reason of a rejected request, or as
 * the key of a name the table does not know): an AWS error name (a letter, then letters and digits, at most 100),
 * and not one of the names that say nothing (`Unknown`, JavaScript's own errors).
 *
 * @since 0.2.0
 * @category classification
 */
export const isEchoable = (name: string): boolean => awsName.test(name) && !unnamed.has(name)

/**
 * The SDK's own fixed messages for an `EndpointError` (the client's endpoint rules): nothing in them comes from
 * input, so these alone are quoted in the reason.
 *
 * @since 0.2.0
 * @category names
 */
export const endpointErrorMessages: ReadonlySet<string> = new Set([
  "Invalid Configuration: Missing Region",
  "Invalid Configuration: FIPS and custom endpoint are not supported",
  "Invalid Configuration: Dualstack and custom endpoint are not supported",
  "FIPS and DualStack are enabled, but this partition does not support one or both",
  "FIPS is enabled but this partition does not support FIPS",
  "DualStack is enabled but this partition does not support DualStack"
])

/**
 * What the runtime read from an exception: its `name`, `code` and `message`, each only when it is a string.
 *
 * @since 0.2.0
 * @category models
 */
export interface Raised {
  readonly name?: string | undefined
  readonly code?: string | undefined
  readonly message?: string | undefined
}

/**
 * The table's key for an exception: its AWS name, or how the SDK raised it in this process (a code, or a fixed
 * message of a plain `Error`); `undefined` when it has none that may be echoed.
 *
 * @since 0.2.0
 * @category classification
 */
export const keyOf = ({ code, message = "", name }: Raised): string | undefined => {
  if (code === "ERR_INVALID_URL") return code
  if (name === "Error" || name === undefined) {
    if (message === "Region is missing") return message
    if (message.startsWith("Region not accepted:")) return "Region not accepted"
    if (message === "Resolved credential object is not valid") return message
    return code !== undefined && rows.has(code) ? code : undefined
  }
  if (code !== undefined && rows.has(code) && !rows.has(name)) return code
  return isEchoable(name) ? name : undefined
}

/**
 * What an error is classified as: the name its error may quote, and what it becomes.
 *
 * @since 0.2.0
 * @category models
 */
export interface Classified {
  readonly name: string
  readonly maps: Mapping
}

/**
 * Classifies an error by its key (`keyOf`, or a batch entry's error code that `isEchoable`) through `errorTable`:
 * AWS's error names are its contract, the messages are not. A key the table does not know (or none) is placed by the
 * HTTP status through `statusFallback`. An `EndpointError` quotes its message only when it is one of the SDK's own
 * fixed ones; anything else may quote the settings.
 *
 * @since 0.2.0
 * @category classification
 */
export const classify = (key: string | undefined, status: number | undefined, message?: string): Classified => {
  const row = key === undefined ? undefined : rows.get(key)
  if (row !== undefined) {
    return row.name === "EndpointError" && message !== undefined && endpointErrorMessages.has(message)
      ? { name: row.name, maps: misconfigured(`EndpointError: ${message}`) }
      : { name: row.name, maps: row.maps }
  }
  return {
    name: key ?? (status === undefined ? "an unnamed error" : `HTTP ${status}`),
    maps: byStatus(status).maps
  }
}

/**
 * What the cache rules make of a mapping (or of the core error it builds): `SecretsUnavailable` is ridden out on the
 * previous value (`"transient"`: retried, served stale, never evicted); every other error revokes it.
 *
 * @since 0.2.0
 * @category classification
 */
export const failureKind = (mapping: { readonly _tag: Mapping["_tag"] }): Exclude<FailureKind, "defect"> =>
  mapping._tag === "SecretsUnavailable" ? "transient" : "revocation"
