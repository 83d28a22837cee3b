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

// The table's name for an endpoint this store refuses to send to: not an AWS name, so no answer can carry it.
const endpointNotHttp = "endpoint not http(s)"

/**
 * Raised in this process, before anything is sent, for an endpoint that is not an `http:` or `https:` URL with a
 * host. Its message never holds the URL: it may have userinfo.
 *
 * @internal
 */
export class EndpointNotHttp extends Error {
  constructor() {
    super("the endpoint is not an http:// or https:// URL with a host")
    this.name = "EndpointNotHttp"
  }
}

const httpScheme = (protocol: unknown): boolean =>
  typeof protocol === "string" && (protocol.toLowerCase() === "http:" || protocol.toLowerCase() === "https:")

// A URL-like value (a URL, the SDK's `{ protocol, hostname, ... }`): false when it has an http(s) scheme and a host.
const notHttp = (url: { readonly protocol?: unknown; readonly hostname?: unknown }): boolean =>
  !httpScheme(url.protocol) || typeof url.hostname !== "string" || url.hostname === ""

/**
 * What is wrong with a `clientConfig.endpoint`, as far as it can be told without calling anything: `"invalid"` (the
 * SDK would fail to parse it: `ERR_INVALID_URL`), `"scheme"` (it parses, as something other than an http(s) URL with a
 * host: `"localhost:4566"` has the scheme `localhost:`), or `undefined` (fine, unset, or a provider function, which
 * the SDK calls at each request and `guardEndpoint` checks there). An empty string is unset, as the SDK reads it.
 *
 * @internal
 */
export const endpointProblem = (endpoint: unknown): "invalid" | "scheme" | undefined => {
  if (endpoint === undefined || endpoint === null || endpoint === "" || typeof endpoint === "function") {
    return undefined
  }
  if (typeof endpoint === "string") {
    try {
      return notHttp(new URL(endpoint)) ? "scheme" : undefined
    } catch {
      return "invalid"
    }
  }
  if (!Predicate.isRecord(endpoint) && !(endpoint instanceof URL)) return undefined
  // An EndpointV2 (`{ url }`), or a URL or EndpointV1 (`{ protocol, hostname, port, path }`).
  if (!(endpoint instanceof URL) && "url" in endpoint) return endpointProblem(endpoint.url)
  return Predicate.hasProperty(endpoint, "protocol") || Predicate.hasProperty(endpoint, "hostname")
    ? notHttp(endpoint as { readonly protocol?: unknown; readonly hostname?: unknown }) ? "scheme" : undefined
    : undefined
}

/**
 * A middleware for one command's stack, in the build step (after the SDK resolved the endpoint from every source it
 * reads: `clientConfig.endpoint`, a provider function, `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL`, the
 * shared config file, under its own rules such as `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`; before signing and before
 * anything is sent): a request to anything but an http(s) URL with a host fails with `EndpointNotHttp`.
 *
 * @internal
 */
export const guardEndpoint = <
  C extends { readonly middlewareStack: { add(middleware: never, options: never): unknown } }
>(
  command: C
): C => {
  const middleware = (next: (args: unknown) => Promise<unknown>) => (args: unknown): Promise<unknown> => {
    const request = Predicate.hasProperty(args, "request") ? args.request : undefined
    return Predicate.isRecord(request) && notHttp(request) ? Promise.reject(new EndpointNotHttp()) : next(args)
  }
  const options = { step: "build", name: "effectSecretsEndpointGuard", priority: "high", override: true } as const
  command.middlewareStack.add(middleware as never, options as never)
  return command
}

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

// Not error names: what the SDK names an error answer that carries none, and JavaScript's own errors (a body that is
// not JSON fails to parse with a SyntaxError that keeps the answer's status).
const unnamed: ReadonlySet<string> = new Set(["Unknown", "UnknownError", "SyntaxError", "TypeError", "RangeError"])

const statusOf = (error: unknown): number | undefined =>
  Predicate.hasProperty(error, "$metadata") && Predicate.hasProperty(error.$metadata, "httpStatusCode") &&
    typeof error.$metadata.httpStatusCode === "number"
    ? error.$metadata.httpStatusCode
    : undefined

// The table's key for an error: its AWS name, or how the SDK raised it in this process.
const keyOf = (error: unknown): string | undefined => {
  if (typeof error === "string") return awsName.test(error) && !unnamed.has(error) ? error : undefined
  if (error instanceof EndpointNotHttp) return endpointNotHttp
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
  return awsName.test(name) && !unnamed.has(name) ? name : undefined
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
 * error names are its contract, the messages are not. A name not in the table (or none) is placed by its HTTP status,
 * through `statusTable`.
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
  const fallback = status === undefined ? noStatus : statusTable.find((row) => row.matches(status)) ?? otherStatus
  return make(request, label, fallback.maps)
}

/**
 * One row of the fallback for an error whose name `errorTable` does not know (or that has none: the SDK names those
 * `Unknown`): its HTTP status, what it becomes, and why.
 *
 * @internal
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
 * evicts nothing. The README's second error table mirrors this one row by row.
 *
 * @internal
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
 * The fallback's rows in order, the catch-alls included: what the README's table lists.
 *
 * @internal
 */
export const statusFallback: ReadonlyArray<StatusRow> = [...statusTable, otherStatus, noStatus]

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

// Where a secret lives: its ARN up to ":secret:" (partition, region, account).
const scopeOf = (arn: unknown): string | undefined => {
  if (!string(arn)) return undefined
  const at = arn.indexOf(":secret:")
  return at === -1 ? undefined : arn.slice(0, at + 1)
}

// The names (lowercased) a requested ARN id may stand for, in whatever account or region it names: all after
// ":secret:" (as a partial ARN), and that without a suffix (as a full ARN). Undefined when it cannot be read: any name.
const namesOfArnId = (id: string): ReadonlyArray<string> | undefined => {
  const at = id.indexOf(":secret:")
  if (at === -1 || id.length <= at + 8) return undefined
  const rest = id.slice(at + 8).toLowerCase()
  return suffix.test(rest) && rest.length > 7 ? [rest, rest.slice(0, -7)] : [rest]
}

/**
 * Gives each requested id the answer that is unambiguously its own: an entry claimed by exact name or full ARN, or by
 * partial ARN when that entry is the id's only candidate and either no other requested id claims it or the id cannot
 * be a full ARN itself (it has no six-character suffix); an error entry whose
 * `SecretId` is exactly the id, when no entry claims it. Every other id (no answer, several candidates, an unreadable
 * entry) is left to be read alone. Only requested ids are ever answered.
 *
 * A name is resolved in the caller's own account and region, an ARN in the account and region it names, and an entry
 * does not say which id it answers. So a name that an ARN id of the batch may also stand for (its name part, in any
 * account or region: `db` and `arn:...:222222222222:secret:db-AbCdEf`) claims only the entry of that name in the
 * caller's scope, and only when the batch shows that scope: the one account and region of the entries that can only
 * answer names (requested names no ARN id may stand for). Without it, the name is read alone; and when those entries
 * come from several scopes (never so from Secrets Manager), every name is.
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
  // The names an ARN id of the batch may stand for: an entry of such a name may be that ARN's answer.
  const contested = new Set<string>()
  let contestsAll = false
  for (const secretId of secretIds) {
    if (!secretId.startsWith("arn:")) continue
    const names = namesOfArnId(secretId)
    if (names === undefined) contestsAll = true
    else for (const name of names) contested.add(name)
  }
  const isContested = (secretId: string) =>
    !secretId.startsWith("arn:") && (contestsAll || contested.has(secretId.toLowerCase()))
  // The caller's account and region, when the batch shows them: where the uncontested names were resolved.
  const scopes = new Set<string>()
  for (const secretId of secretIds) {
    if (secretId.startsWith("arn:") || isContested(secretId)) continue
    for (const entry of distinct.values()) {
      const scope = scopeOf(entry.ARN)
      if (scope !== undefined && claim(secretId, entry.Name, entry.ARN) !== undefined) scopes.add(scope)
    }
  }
  const home = scopes.size === 1 ? [...scopes][0] : undefined
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
    // A contested name's own candidates: those in the caller's scope, when it is known; none otherwise. Names
    // answered from several scopes (never so from Secrets Manager) leave every name to be read alone.
    const own = isContested(secretId)
      ? found.filter(({ key }) => home !== undefined && scopeOf(distinct.get(key)?.ARN) === home)
      : scopes.size > 1 && !secretId.startsWith("arn:")
      ? []
      : found
    const errorCodes = codes.get(secretId)
    const only = own.length === 1 && errorCodes === undefined ? own[0] : undefined
    // A partial ARN without a suffix of its own is no secret's full ARN: its one candidate is its secret, whichever
    // other id also claims it. One that may be a full ARN takes an entry no other id could have brought.
    if (
      only !== undefined &&
      (only.kind === "exact" || claimers.get(only.key) === 1 || partialArn(secretId) === undefined)
    ) {
      const value = toSecretValue({ secretId }, distinct.get(only.key) as SecretValueEntry)
      if (Either.isRight(value) && value.right.secretId === secretId) answered.set(secretId, value)
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
