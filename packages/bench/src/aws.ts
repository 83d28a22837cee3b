/**
 * The real AWS SDK pointed at the loopback stub, and a `SecretStore` over it (what a production store would do, minus
 * retries: one `GetSecretValue` per load, errors mapped to the core's typed errors).
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import type { GetSecretValueCommandInput, GetSecretValueCommandOutput } from "@aws-sdk/client-secrets-manager"
import type { SecretRequest, SecretStoreError, SecretValue } from "@effect-secrets/core"
import {
  SecretAccessDenied,
  SecretNotFound,
  SecretRequestRejected,
  SecretStore,
  SecretsUnavailable
} from "@effect-secrets/core"
import { Effect, Layer, Redacted } from "effect"

/** Socket-capacity warnings of the SDK's http handler, counted instead of printed. */
export const sdkWarnings = { count: 0 }

const quietLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {
    sdkWarnings.count++
  },
  error: () => {}
}

/** A client with its own keep-alive agent (the SDK default of 50 sockets), one attempt, dummy credentials. */
export const makeClient = (endpoint: string): SecretsManagerClient =>
  new SecretsManagerClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDBENCHMARK0000000", secretAccessKey: "bench-secret-access-key" },
    maxAttempts: 1,
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: 50 },
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      logger: quietLogger
    }
  })

const toSecretValue = (
  secretId: string,
  out: GetSecretValueCommandOutput
): Effect.Effect<SecretValue, SecretStoreError> => {
  const metadata = {
    secretId,
    name: out.Name ?? secretId,
    arn: out.ARN ?? "",
    versionId: out.VersionId ?? "",
    versionStages: out.VersionStages ?? [],
    createdDate: out.CreatedDate
  }
  if (out.SecretString !== undefined) {
    return Effect.succeed({ ...metadata, kind: "string", value: Redacted.make(out.SecretString) })
  }
  if (out.SecretBinary !== undefined) {
    return Effect.succeed({ ...metadata, kind: "binary", value: Redacted.make(out.SecretBinary) })
  }
  return Effect.fail(new SecretsUnavailable({ secretId, reason: "server" }))
}

// The SDK's exceptions, by name. No `cause`: an SDK error may carry the raw response, and so the secret.
const toStoreError = (secretId: string, error: unknown): SecretStoreError => {
  const name = error instanceof Error ? error.name : ""
  const status = typeof error === "object" && error !== null && "$metadata" in error
    ? (error.$metadata as { readonly httpStatusCode?: number }).httpStatusCode
    : undefined
  switch (name) {
    case "ResourceNotFoundException":
      return new SecretNotFound({ secretId })
    case "AccessDeniedException":
    case "DecryptionFailure":
      return new SecretAccessDenied({ secretId, reason: name })
    case "InvalidRequestException":
    case "InvalidParameterException":
      return new SecretRequestRejected({ secretId, reason: name })
    case "ThrottlingException":
      return new SecretsUnavailable({ secretId, reason: "throttled" })
    case "AbortError":
    case "TimeoutError":
    case "RequestTimeout":
      return new SecretsUnavailable({ secretId, reason: "timeout" })
    default:
      return new SecretsUnavailable({
        secretId,
        reason: status !== undefined && status >= 500 ? "server" : "network"
      })
  }
}

/** One `GetSecretValue` per load; interrupting the load aborts the HTTP request. */
export const awsSecretStore = (client: SecretsManagerClient): SecretStore.Service =>
  SecretStore.of({
    fetch: (request: SecretRequest) => {
      const input: GetSecretValueCommandInput = { SecretId: request.secretId }
      if (request.versionStage !== undefined) input.VersionStage = request.versionStage
      if (request.versionId !== undefined) input.VersionId = request.versionId
      return Effect.tryPromise({
        try: (signal) => client.send(new GetSecretValueCommand(input), { abortSignal: signal }),
        catch: (error) => toStoreError(request.secretId, error)
      }).pipe(Effect.flatMap((out) => toSecretValue(request.secretId, out)))
    }
  })

export const awsSecretStoreLayer = (client: SecretsManagerClient): Layer.Layer<SecretStore> =>
  Layer.succeed(SecretStore, awsSecretStore(client))
