/**
 * Between the AWS Secrets Manager Agent's HTTP answers and the core's types. The agent (aws/aws-secretsmanager-agent)
 * answers `GET /secretsmanager/get` with the GetSecretValue output as JSON (`CreatedDate` as a string of epoch
 * seconds, `SecretBinary` base64), forwards a Secrets Manager error with Secrets Manager's own status and
 * `{"__type": "<ErrorName>", "message": ...}`, and refuses requests itself with plain-text bodies: 403 for a missing
 * or wrong SSRF token, 400 for a bad query, 404 for an unknown path, 429 over its connection limit, 502/504 when it
 * could not reach Secrets Manager.
 *
 * Nothing here puts a response body, or any part of it, into an error: only the status and a checked error name.
 *
 * @internal
 */
import type { SecretValueEntry } from "@aws-sdk/client-secrets-manager"
import type { SecretRequest, SecretStoreError, SecretValue } from "@effect-secrets/core"
import { SecretsUnavailable } from "@effect-secrets/core"
import * as Base64 from "effect/encoding/Base64"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import { toSecretValue, toStoreError, unreadable } from "./sdk.js"

/**
 * The header the agent and the Lambda extension read the SSRF token from.
 *
 * @internal
 */
export const tokenHeader = "x-aws-parameters-secrets-token"

// A body that is not the GetSecretValue shape: something else answers on the endpoint, or the answer was cut. The
// same error as the SDK store's for the same garbage.
const malformed = (secretId: string) => unreadable(secretId)

const string = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

// Epoch seconds, as a number (the API) or a string (the agent's serializer).
const date = (value: unknown): Date | undefined => {
  const seconds = typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : NaN
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * A 200 answer's body to a `SecretValue`.
 *
 * @internal
 */
export const toSecretValue200 = (
  request: SecretRequest,
  text: string
): Result.Result<SecretValue, SecretStoreError> => {
  const { secretId } = request
  const body = parse(text)
  if (!Predicate.isObject(body)) return Result.fail(malformed(secretId))
  const { SecretBinary, SecretString } = body
  if (SecretString !== undefined && SecretString !== null && typeof SecretString !== "string") {
    return Result.fail(malformed(secretId))
  }
  let binary: Uint8Array | undefined
  if (SecretBinary !== undefined && SecretBinary !== null) {
    if (typeof SecretBinary !== "string") return Result.fail(malformed(secretId))
    const decoded = Base64.decode(SecretBinary)
    // The decoder's error quotes its input: drop it.
    if (Result.isFailure(decoded)) return Result.fail(malformed(secretId))
    binary = decoded.success
  }
  const stages = Array.isArray(body.VersionStages)
    ? body.VersionStages.filter((stage): stage is string => typeof stage === "string")
    : undefined
  // Fields of the wrong type stay as they came, so the check below refuses them instead of dropping them.
  const entry = {
    ARN: body.ARN ?? undefined,
    Name: body.Name ?? undefined,
    VersionId: body.VersionId ?? undefined,
    SecretString: string(SecretString),
    SecretBinary: binary,
    VersionStages: stages,
    CreatedDate: date(body.CreatedDate)
  } as SecretValueEntry
  return toSecretValue(request, entry)
}

// An AWS error name, as `__type` carries it (possibly namespaced, `aws.protocol#Name`, or with a `:` suffix).
const errorNameOf = (text: string): string | undefined => {
  const body = parse(text)
  if (!Predicate.isObject(body) || typeof body.__type !== "string") return undefined
  const name = body.__type.split("#").pop()?.split(":")[0] ?? ""
  return /^[A-Za-z][A-Za-z0-9]{0,99}$/.test(name) ? name : undefined
}

/**
 * A non-200 answer to the core's errors: by the forwarded AWS error name when there is one, else by the status.
 *
 * @internal
 */
export const toStoreErrorFromAgent = (request: SecretRequest, status: number, text: string): SecretStoreError => {
  const { secretId } = request
  const name = errorNameOf(text)
  if (name === undefined || name === "InternalFailure") {
    switch (status) {
      // This process could not authenticate to the agent (a token file rewritten by a restarted agent, a stale
      // variable): the secret is not refused to anyone, so nothing is evicted.
      case 403:
        return new SecretsUnavailable({
          secretId,
          reason: "credentials",
          detail:
            "the agent refused the SSRF token (X-Aws-Parameters-Secrets-Token): check AWS_TOKEN or the token option"
        })
      // Not the agent's answer about the secret (it answers a missing secret with a 400 ResourceNotFoundException):
      // something else listens on the endpoint. Nothing is evicted for it, as for any answer from a wrong endpoint.
      case 404:
        return new SecretsUnavailable({
          secretId,
          reason: "unavailable",
          detail: "HTTP 404: the endpoint has no agent route /secretsmanager/get (check the endpoint)"
        })
      case 502:
        return new SecretsUnavailable({ secretId, reason: "network" })
      case 504:
        return new SecretsUnavailable({ secretId, reason: "timeout" })
    }
  }
  // The agent's own names for a failed call to Secrets Manager.
  if (name === "TimeoutError") return new SecretsUnavailable({ secretId, reason: "timeout" })
  if (name === "ConnectionError") return new SecretsUnavailable({ secretId, reason: "network" })
  return toStoreError(request, { name: name ?? `HTTP ${status}`, $metadata: { httpStatusCode: status } })
}

/**
 * A failure to get an answer at all (refused, reset, a bad URL) to the core's errors.
 *
 * @internal
 */
export const toTransportError = (request: SecretRequest, cause: unknown): SecretStoreError => {
  const { secretId } = request
  const error = toStoreError(request, cause)
  // Whatever the transport cannot name is still the connection failing.
  return error._tag === "SecretsUnavailable" && error.reason === "unavailable"
    ? new SecretsUnavailable({ secretId, reason: "network" })
    : error
}
