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
import { SecretStore, SecretsUnavailable } from "@effect-secrets/core"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Retry from "./internal/retry.js"
import {
  assignBatch,
  EndpointNotHttp,
  endpointProblem,
  guardEndpoint,
  toClientError,
  toSecretValue,
  toStoreError,
  unreadable
} from "./internal/sdk.js"

/**
 * How store calls are retried: exponential backoff with full jitter (drawn from Effect's `Random`), on transient
 * failures only (throttling, 5xx, network errors, timeouts).
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** Attempts per store call, the first included: a whole number, 1 turns retries off. Default: 4. */
  readonly maxAttempts?: number | undefined
  /** The first delay, doubled per retry; above zero. Default: 100 milliseconds. */
  readonly base?: Duration.Input | undefined
  /** The longest single delay, no shorter than `base`. Default: 2 seconds. */
  readonly max?: Duration.Input | undefined
  /** No retry starts after this long since the first failure; zero or more. Default: 10 seconds. */
  readonly budget?: Duration.Input | undefined
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
  /**
   * Each attempt's time limit, above zero: a hung connection becomes `SecretsUnavailable` ("timeout"). Default: 5
   * seconds.
   */
  readonly timeout?: Duration.Input | undefined
  readonly retry?: RetryOptions | undefined
  /**
   * Whether `prefetch` reads with `BatchGetSecretValue` (20 secrets a call). One batch never takes longer than one
   * read could (every attempt timing out, within the retry budget). Default: true.
   */
  readonly batch?: boolean | undefined
}

/**
 * Store options that break a rule (a timeout of 0, a `retry.base` of NaN, text that is not a duration, ...). A defect
 * from `layer` and `make` (options are code, not input); a `Config.ConfigError` naming the variable from `layerConfig`.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidStoreOptions extends Schema.TaggedError<InvalidStoreOptions>()("InvalidStoreOptions", {
  store: Schema.String,
  option: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.2.0 */
  override get message(): string {
    return `Invalid ${this.store} option ${this.option}: ${this.reason}`
  }
}

/**
 * Checks the options and fills in the defaults, as `make` does before building anything. The one check behind `make`,
 * `layer`, `config` and `layerConfig`, and `AgentSecretStore`'s (which shares `timeout` and `retry`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const validate = (
  options: Pick<AwsSecretStoreOptions, "timeout" | "retry">,
  store = "AwsSecretStore"
): Result.Result<ResolvedOptions, InvalidStoreOptions> =>
  Result.mapError(Retry.resolve(options), (violation) => new InvalidStoreOptions({ store, ...violation }))

/**
 * The shared options once checked.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResolvedOptions {
  readonly timeout: Duration.Duration
  readonly maxAttempts: number
  readonly base: Duration.Duration
  readonly max: Duration.Duration
  readonly budget: Duration.Duration
}

/**
 * Provides `SecretStore` over AWS Secrets Manager. The client is created with the layer and destroyed with it. Options
 * that break a rule are a defect (`InvalidStoreOptions`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: AwsSecretStoreOptions = {}): Layer.Layer<SecretStore> =>
  Layer.effect(SecretStore, make(options))

/**
 * The same, with its options read from `Config` (by default `config`: the `SECRETS_STORE_*` variables). Options that
 * break a rule fail with a `Config.ConfigError` naming the option (and, from `config`, the variable).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config<AwsSecretStoreOptions> = config
): Layer.Layer<SecretStore, Config.ConfigError> =>
  Layer.effect(SecretStore, Effect.flatMap(Effect.flatMap(options, (read) => checked(read, "AwsSecretStore")), make))

// Options read from a `Config`, checked: a `Config.ConfigError` instead of a defect.
const checked = <A extends Pick<AwsSecretStoreOptions, "timeout" | "retry">>(
  options: A,
  store: string
): Effect.Effect<A, Config.ConfigError> =>
  Result.match(validate(options, store), {
    onFailure: (error) => Effect.fail(Retry.invalidConfig(error.message)),
    onSuccess: () => Effect.succeed(options)
  })

/**
 * Builds the store in the current scope. Options that break a rule are a defect (`InvalidStoreOptions`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: AwsSecretStoreOptions = {}): Effect.Effect<SecretStore.Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const resolved = yield* Result.match(validate(options), { onFailure: Effect.die, onSuccess: Effect.succeed })
    // An endpoint that is not an http(s) URL with a host ("localhost:4566" has the scheme "localhost:"): every read
    // fails with SecretsMisconfigured and nothing is built. Provider functions, the endpoint variables and the shared
    // config file are checked on each request, once the SDK has resolved them under its own rules (guardEndpoint).
    const problem = options.client === undefined ? endpointProblem(options.clientConfig?.endpoint) : undefined
    if (problem !== undefined) {
      const error = problem === "invalid" ? { code: "ERR_INVALID_URL" } : new EndpointNotHttp()
      return SecretStore.of({ fetch: (request: SecretRequest) => Effect.fail(toClientError(request, error)) })
    }
    // The SDK refuses some settings when the client is built (an empty region): every read then fails with that.
    const built = options.client !== undefined
      ? Result.succeed(options.client)
      : yield* Effect.acquireRelease(
        Effect.sync(() => buildClient(options.clientConfig)),
        (client) => Effect.sync(() => Result.map(client, (client) => client.destroy()))
      )
    if (Result.isFailure(built)) {
      const error = built.failure
      const fail = (request: SecretRequest) => Effect.fail(toClientError(request, error))
      return SecretStore.of({ fetch: fail })
    }
    const client = built.success
    const withRetries = Retry.retrying(resolved)

    // One attempt: the SDK call, aborted through its AbortSignal when the fiber is interrupted (a timeout included),
    // and its answer checked inside the attempt, so an unreadable answer is retried like any transient failure.
    const attempt = <A, B>(
      request: SecretRequest,
      send: (signal: AbortSignal) => Promise<A>,
      read: (out: A) => Result.Result<B, SecretStoreError>
    ) =>
      Effect.tryPromise({ try: send, catch: (error) => toStoreError(request, error) }).pipe(
        Effect.flatMap((out) => Effect.fromResult(read(out))),
        Effect.timeoutOrElse({
          duration: resolved.timeout,
          orElse: () => Effect.fail(new SecretsUnavailable({ secretId: request.secretId, reason: "timeout" }))
        })
      )

    const fetch = (request: SecretRequest): Effect.Effect<SecretValue, SecretStoreError> =>
      withRetries(
        attempt(
          request,
          (abortSignal) =>
            client.send(
              guardEndpoint(
                new GetSecretValueCommand({
                  SecretId: request.secretId,
                  VersionId: request.versionId,
                  VersionStage: request.versionStage
                })
              ),
              { abortSignal }
            ),
          (out) => toSecretValue(request, out)
        )
      )

    // No batch outlasts a single read's worst case: whatever waits on it would not wait longer for a read of its own.
    const deadline = Retry.worstCase(resolved)

    // One BatchGetSecretValue (following NextToken, boundedly), each answer given only to the id it is unambiguously
    // for; the ids left without one are read alone, so the map is exact and holds the requested ids only.
    const fetchBatch = (secretIds: ReadonlyArray<string>) => {
      const answers = new Map<string, Exit.Exit<SecretValue, SecretStoreError>>()
      return Effect.gen(function*() {
        const ids = Array.from(new Set(secretIds))
        if (ids.length === 0) return
        const batch = { secretId: ids.join(",") }
        const entries: Array<unknown> = []
        const errors: Array<unknown> = []
        let nextToken: string | undefined
        // Up to 20 ids per call: more than one page per id, and one more, is a server that never stops paging.
        for (let page = 0; page <= ids.length; page++) {
          const token = nextToken
          const out = yield* withRetries(attempt(
            batch,
            (abortSignal) =>
              client.send(guardEndpoint(new BatchGetSecretValueCommand({ SecretIdList: ids, NextToken: token })), {
                abortSignal
              }),
            Result.succeed
          ))
          if (Array.isArray(out.SecretValues)) entries.push(...out.SecretValues)
          if (Array.isArray(out.Errors)) errors.push(...out.Errors)
          nextToken = typeof out.NextToken === "string" && out.NextToken !== "" ? out.NextToken : undefined
          if (nextToken === undefined) break
        }
        const { answered, unanswered } = assignBatch(ids, entries, errors)
        for (const [secretId, answer] of answered) {
          answers.set(secretId, Result.isSuccess(answer) ? Exit.succeed(answer.success) : Exit.fail(answer.failure))
        }
        yield* Effect.forEach(
          unanswered,
          (secretId) => Effect.map(Effect.exit(fetch({ secretId })), (exit) => answers.set(secretId, exit)),
          { concurrency: "unbounded", discard: true }
        )
      }).pipe(
        Effect.timeoutOption(deadline),
        // At the deadline, the answers in hand stay; the ids still unanswered time out as their own reads would have.
        // The map holds the requested ids only, each with an answer about that very id (the contract's "one entry per
        // requested id"): a value or error naming another id would never be delivered by the id it is under.
        Effect.map(() => {
          const result = new Map<string, Exit.Exit<SecretValue, SecretStoreError>>()
          for (const secretId of secretIds) {
            const answer = answers.get(secretId)
            const about = answer === undefined
              ? undefined
              : Exit.isSuccess(answer)
              ? answer.value.secretId
              : Option.getOrUndefined(Option.map(Cause.findErrorOption(answer.cause), (error) => error.secretId))
            result.set(
              secretId,
              answer === undefined
                ? Exit.fail(new SecretsUnavailable({ secretId, reason: "timeout" }))
                : about !== undefined && about !== secretId
                ? Exit.fail(unreadable(secretId, "the answer is about another secret or version"))
                : answer
            )
          }
          return result as ReadonlyMap<string, Exit.Exit<SecretValue, SecretStoreError>>
        })
      )
    }

    return SecretStore.of(options.batch === false ? { fetch } : { fetch, fetchBatch, batchSize: 20 })
  })

// The SDK refuses some settings when the client is built (an empty region): kept, to fail every read with it.
const buildClient = (
  clientConfig: SecretsManagerClientConfig | undefined
): Result.Result<SecretsManagerClient, unknown> => {
  try {
    return Result.succeed(new SecretsManagerClient({ ...clientConfig, maxAttempts: 1 }))
  } catch (error) {
    return Result.fail(error)
  }
}

const variable = (option: keyof typeof Retry.variables) => Retry.variables[option]

/**
 * Reads `SECRETS_STORE_TIMEOUT`, `SECRETS_STORE_MAX_ATTEMPTS`, `SECRETS_STORE_RETRY_BASE`, `SECRETS_STORE_RETRY_MAX`,
 * `SECRETS_STORE_RETRY_BUDGET` and `SECRETS_STORE_BATCH`; unset ones keep their defaults, and a value that breaks a
 * rule fails with a `Config.ConfigError` naming its variable. Region, credentials and endpoint come from the SDK's own
 * chain.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<AwsSecretStoreOptions> = Config.all({
  timeout: unset(duration(variable("timeout"))),
  batch: unset(Config.Boolean("SECRETS_STORE_BATCH")),
  retry: Config.all({
    maxAttempts: unset(Config.Int(variable("retry.maxAttempts"))),
    base: unset(duration(variable("retry.base"))),
    max: unset(duration(variable("retry.max"))),
    budget: unset(duration(variable("retry.budget")))
  })
}).pipe(
  Config.mapEffect((options) =>
    Result.match(Retry.resolve(options), {
      onFailure: (violation) =>
        Effect.fail(
          Retry.invalidConfig(
            `${new InvalidStoreOptions({ store: "AwsSecretStore", ...violation }).message} (from ${
              Retry.variables[violation.option]
            })`,
            [Retry.variables[violation.option]]
          )
        ),
      onSuccess: () => Effect.succeed(options)
    })
  )
)

// A duration as written: `Config.Duration` would take "-1 seconds" as a negative duration, and a negative value is a
// mistake to name.
function duration(name: string): Config.Config<Duration.Input> {
  return Config.String(name).pipe(
    Config.mapEffect((text) =>
      !text.trim().startsWith("-") && Option.isSome(Duration.fromInput(text as Duration.Input))
        ? Effect.succeed(text as Duration.Input)
        : Effect.fail(Retry.invalidConfig("Expected a duration of zero or more, such as \"5 seconds\"", [name]))
    )
  )
}

// An unset variable keeps the option's default; a set but invalid one still fails.
function unset<A>(config: Config.Config<A>): Config.Config<A | undefined> {
  return Config.withDefault(config, undefined)
}
