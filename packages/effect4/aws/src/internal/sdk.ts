/**
 * Between the AWS SDK and the core's types: responses to `SecretValue`s, SDK exceptions to `SecretStoreError`s.
 * No error keeps the SDK's exception as its cause or its message: it can hold the raw response, the signed request or
 * the endpoint URL. Which error an exception becomes, and what it says (fixed text per known error), is `AwsErrors`
 * of `@effect-secrets/policy`; this reads the exception and builds that error.
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
import { AwsErrors } from "@effect-secrets/policy"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"

// The policy's reasons and core's must be the same set: either gaining one the other lacks fails to compile here.
type SameReasons<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
const sameReasons: SameReasons<AwsErrors.UnavailableReason, UnavailableReason> = true
void sameReasons

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
  if (!Predicate.isObject(endpoint) && !(endpoint instanceof URL)) return undefined
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
    return Predicate.isObject(request) && notHttp(request) ? Promise.reject(new EndpointNotHttp()) : next(args)
  }
  const options = { step: "build", name: "effectSecretsEndpointGuard", priority: "high", override: true } as const
  command.middlewareStack.add(middleware as never, options as never)
  return command
}

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
): Result.Result<SecretValue, SecretStoreError> => {
  const { secretId } = request
  if (!Predicate.isObject(out)) return Result.fail(unreadable(secretId))
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
    return Result.fail(unreadable(secretId))
  }
  if (SecretString === undefined && SecretBinary === undefined) {
    return Result.fail(unreadable(secretId, "the answer holds no SecretString or SecretBinary"))
  }
  // Only an answer about the requested secret and version reaches the request.
  const versionMatches = request.versionId === undefined && request.versionStage === undefined
    ? stages.length === 0 || stages.includes("AWSCURRENT")
    : (request.versionId === undefined || VersionId === request.versionId) &&
      (request.versionStage === undefined || stages.includes(request.versionStage))
  if (claim(secretId, Name, ARN) === undefined || !versionMatches) {
    return Result.fail(unreadable(secretId, "the answer is about another secret or version"))
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
    ? Result.succeed({ ...metadata, kind: "string", value: Redacted.make(SecretString) })
    : Result.succeed({ ...metadata, kind: "binary", value: Redacted.make(SecretBinary as Uint8Array) })
}

const statusOf = (error: unknown): number | undefined =>
  Predicate.hasProperty(error, "$metadata") && Predicate.hasProperty(error.$metadata, "httpStatusCode") &&
    typeof error.$metadata.httpStatusCode === "number"
    ? error.$metadata.httpStatusCode
    : undefined

const stringField = (error: unknown, field: "name" | "code" | "message"): string | undefined =>
  Predicate.hasProperty(error, field) && string(error[field]) ? error[field] : undefined

// The table's key for an error (a batch entry's error code, or an exception): its AWS name, or how the SDK raised it.
const keyOf = (error: unknown): string | undefined => {
  if (typeof error === "string") return AwsErrors.isEchoable(error) ? error : undefined
  if (error instanceof EndpointNotHttp) return AwsErrors.endpointNotHttp
  return AwsErrors.keyOf({
    name: stringField(error, "name"),
    code: stringField(error, "code"),
    message: stringField(error, "message")
  })
}

// The core's error a mapping names; `name` is what a rejected or denied request without a fixed reason quotes.
const make = (request: SecretRequest, name: string, mapping: AwsErrors.Mapping): SecretStoreError => {
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
 * Maps an SDK exception (or an error code of a batch entry) to the core's errors, as `AwsErrors.classify` places it:
 * by name through `errorTable`, else by HTTP status through `statusFallback`.
 *
 * @internal
 */
export const toStoreError = (request: SecretRequest, error: unknown): SecretStoreError => {
  const { maps, name } = AwsErrors.classify(keyOf(error), statusOf(error), stringField(error, "message"))
  return make(request, name, maps)
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
  readonly answered: ReadonlyMap<string, Result.Result<SecretValue, SecretStoreError>>
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
    if (!Predicate.isObject(entry)) continue
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
    if (!Predicate.isObject(error) || !string(error.SecretId)) continue
    const set = codes.get(error.SecretId) ?? new Set()
    set.add(error.ErrorCode)
    codes.set(error.SecretId, set)
  }
  const answered = new Map<string, Result.Result<SecretValue, SecretStoreError>>()
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
      if (Result.isSuccess(value) && value.success.secretId === secretId) answered.set(secretId, value)
      else unanswered.push(secretId)
      continue
    }
    const [code] = errorCodes ?? []
    // An error code the table does not know is read alone, so its status can place it.
    if (found.length === 0 && errorCodes?.size === 1 && string(code) && AwsErrors.byName(code) !== undefined) {
      answered.set(secretId, Result.fail(toStoreError({ secretId }, code)))
      continue
    }
    unanswered.push(secretId)
  }
  return { answered, unanswered }
}
