/**
 * The production `SecretStore`: AWS Secrets Manager through the AWS SDK v3, with retries, timeouts and cancellation
 * in Effect.
 *
 * @since 0.1.0
 */
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  SecretsManagerClient
} from "@aws-sdk/client-secrets-manager"
import type { SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager"
import type { SecretRequest, SecretStoreError, SecretValue } from "@effect-secrets/core"
import { SecretNotFound, SecretStore, SecretsUnavailable } from "@effect-secrets/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { defaults, retrying } from "./internal/retry.js"
import { toSecretValue, toStoreError } from "./internal/sdk.js"

/**
 * How store calls are retried: exponential backoff with full jitter (drawn from Effect's `Random`), on transient
 * failures only (throttling, 5xx, network errors, timeouts).
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** Attempts per store call, the first included. 1 turns retries off. Default: 4. */
  readonly maxAttempts?: number | undefined
  /** The first delay, doubled per retry. Default: 100 milliseconds. */
  readonly base?: Duration.DurationInput | undefined
  /** The longest single delay. Default: 2 seconds. */
  readonly max?: Duration.DurationInput | undefined
  /** No retry starts after this long since the first failure. Default: 10 seconds. */
  readonly budget?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AwsSecretStoreOptions {
  /**
   * A client of your own. You keep its lifecycle (it is not destroyed with the layer) and its settings; set
   * `maxAttempts: 1` on it so retries happen here, where `TestClock` and interruption reach them.
   */
  readonly client?: SecretsManagerClient | undefined
  /**
   * Settings for the client the layer builds. Everything not set comes from the SDK's standard chain: region,
   * credentials, and `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL` (LocalStack, the local endpoint).
   * `maxAttempts` is always 1.
   */
  readonly clientConfig?: SecretsManagerClientConfig | undefined
  /** Each attempt's time limit: a hung connection becomes `SecretsUnavailable` ("timeout"). Default: 5 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  readonly retry?: RetryOptions | undefined
  /** Whether `prefetch` reads with `BatchGetSecretValue` (20 secrets a call). Default: true. */
  readonly batch?: boolean | undefined
}

/**
 * Provides `SecretStore` over AWS Secrets Manager. The client is created with the layer and destroyed with it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: AwsSecretStoreOptions = {}): Layer.Layer<SecretStore> =>
  Layer.scoped(SecretStore, make(options))

/**
 * The same, with its options read from `Config` (by default `config`: the `SECRETS_STORE_*` variables).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config<AwsSecretStoreOptions> = config
): Layer.Layer<SecretStore, ConfigError.ConfigError> => Layer.scoped(SecretStore, Effect.flatMap(options, make))

/**
 * Builds the store in the current scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: AwsSecretStoreOptions = {}): Effect.Effect<SecretStore.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const client = options.client ?? (yield* Effect.acquireRelease(
      Effect.sync(() => new SecretsManagerClient({ ...options.clientConfig, maxAttempts: 1 })),
      (client) => Effect.sync(() => client.destroy())
    ))
    const timeout = Duration.decode(options.timeout ?? defaults.timeout)
    const withRetries = retrying(options.retry)

    // One attempt: the SDK call, aborted through its AbortSignal when the fiber is interrupted (a timeout included).
    const attempt = <A>(secretId: string, send: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({ try: send, catch: (error) => toStoreError(secretId, error) }).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new SecretsUnavailable({ secretId, reason: "timeout" })
        })
      )

    const fetch = (request: SecretRequest): Effect.Effect<SecretValue, SecretStoreError> =>
      withRetries(
        attempt(request.secretId, (abortSignal) =>
          client.send(
            new GetSecretValueCommand({
              SecretId: request.secretId,
              VersionId: request.versionId,
              VersionStage: request.versionStage
            }),
            { abortSignal }
          ))
      ).pipe(Effect.flatMap((out) => toSecretValue(request.secretId, out)))

    // One BatchGetSecretValue (following NextToken), answered per requested id: a value, its own error, or not found.
    const fetchBatch = (secretIds: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const answers = new Map<string, Exit.Exit<SecretValue, SecretStoreError>>()
        const label = secretIds.join(",")
        let nextToken: string | undefined
        do {
          const token = nextToken
          const out = yield* withRetries(attempt(label, (abortSignal) =>
            client.send(
              new BatchGetSecretValueCommand({ SecretIdList: [...secretIds], NextToken: token }),
              { abortSignal }
            )))
          for (const entry of out.SecretValues ?? []) {
            const secretId = secretIds.find((id) => matches(id, entry.Name, entry.ARN))
            if (secretId !== undefined) {
              answers.set(
                secretId,
                Either.match(toSecretValue(secretId, entry), {
                  onLeft: Exit.fail,
                  onRight: Exit.succeed
                })
              )
            }
          }
          for (const error of out.Errors ?? []) {
            const secretId = error.SecretId ?? ""
            answers.set(secretId, Exit.fail(toStoreError(secretId, error.ErrorCode ?? "UnknownError")))
          }
          nextToken = out.NextToken
        } while (nextToken !== undefined)
        for (const secretId of secretIds) {
          if (!answers.has(secretId)) answers.set(secretId, Exit.fail(new SecretNotFound({ secretId })))
        }
        return answers as ReadonlyMap<string, Exit.Exit<SecretValue, SecretStoreError>>
      })

    return options.batch === false ? { fetch } : { fetch, fetchBatch, batchSize: 20 }
  })

// A requested id names a secret by name, by full ARN, or by partial ARN (without the 6-character suffix).
const matches = (secretId: string, name: string | undefined, arn: string | undefined): boolean =>
  secretId === name || secretId === arn || (arn !== undefined && arn.startsWith(`${secretId}-`))

/**
 * Reads `SECRETS_STORE_TIMEOUT`, `SECRETS_STORE_MAX_ATTEMPTS`, `SECRETS_STORE_RETRY_BASE`, `SECRETS_STORE_RETRY_MAX`,
 * `SECRETS_STORE_RETRY_BUDGET` and `SECRETS_STORE_BATCH`; unset ones keep their defaults. Region, credentials and
 * endpoint come from the SDK's own chain.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<AwsSecretStoreOptions> = Config.all({
  timeout: unset(Config.duration("SECRETS_STORE_TIMEOUT")),
  batch: unset(Config.boolean("SECRETS_STORE_BATCH")),
  retry: Config.all({
    maxAttempts: unset(
      Config.validate(Config.integer("SECRETS_STORE_MAX_ATTEMPTS"), {
        message: "must be at least 1",
        validation: (attempts) => attempts >= 1
      })
    ),
    base: unset(Config.duration("SECRETS_STORE_RETRY_BASE")),
    max: unset(Config.duration("SECRETS_STORE_RETRY_MAX")),
    budget: unset(Config.duration("SECRETS_STORE_RETRY_BUDGET"))
  })
})

// An unset variable keeps the option's default; a set but invalid one still fails.
function unset<A>(config: Config.Config<A>): Config.Config<A | undefined> {
  return Config.withDefault(config, undefined)
}
