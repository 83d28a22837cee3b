/**
 * A `SecretStore` over the host's cache tier: the AWS Secrets Manager Agent, or the AWS Parameters and Secrets Lambda
 * Extension, both answering `GET /secretsmanager/get?secretId=...` on `localhost:2773` to requests that carry the SSRF
 * token in `X-Aws-Parameters-Secrets-Token`. `SecretsService` over it is the in-process tier over the host tier: the
 * processes of a host share one agent, and the agent makes the calls to Secrets Manager.
 *
 * Built on Effect's `HttpClient` (`effect/http`): `layer` takes yours, `layerFetch` provides `FetchHttpClient`, over
 * the global `fetch` (Node, Bun, Deno, Lambda).
 *
 * @since 0.1.0
 */
import type { SecretRequest, SecretStoreError, SecretValue } from "@effect-secrets/core"
import { SecretsMisconfigured, SecretStore, SecretsUnavailable } from "@effect-secrets/core"
import * as Config from "effect/Config"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { readFile } from "node:fs/promises"
import * as AwsSecretStore from "./AwsSecretStore.js"
import * as Agent from "./internal/agent.js"
import { invalidConfig, retrying } from "./internal/retry.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface AgentSecretStoreOptions {
  /**
   * Where the agent listens. Default: `http://localhost:2773`, or the port in `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`
   * (the Lambda extension's setting) when it is set.
   */
  readonly endpoint?: string | undefined
  /**
   * The SSRF token. Default: the first of `AWS_TOKEN`, `AWS_SESSION_TOKEN` and `AWS_CONTAINER_AUTHORIZATION_TOKEN`
   * that is set (read through `Config`), the variables the agent reads its own token from. A value `file://<path>` is
   * read from that file at each call, as the agent does (its install script writes `/var/run/awssmatoken`).
   */
  readonly token?: Redacted.Redacted<string> | undefined
  /** Each attempt's time limit, above zero: a hung agent becomes `SecretsUnavailable` ("timeout"). Default: 5 seconds. */
  readonly timeout?: Duration.Input | undefined
  /** As `AwsSecretStore`'s: 4 attempts, 100 ms doubling to 2 s, full jitter, a 10 s budget, transient errors only. */
  readonly retry?: AwsSecretStore.RetryOptions | undefined
}

/**
 * Provides `SecretStore` over the agent, with the `HttpClient` you provide. Options that break a rule are a defect
 * (`AwsSecretStore.InvalidStoreOptions`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: AgentSecretStoreOptions = {}
): Layer.Layer<SecretStore, never, HttpClient.HttpClient> => Layer.effect(SecretStore, make(options))

/**
 * The same, over `effect/http`'s `FetchHttpClient` (the runtime's global `fetch`): nothing to provide.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerFetch = (options: AgentSecretStoreOptions = {}): Layer.Layer<SecretStore> =>
  layer(options).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * The same as `layerFetch`: over the global `fetch`. For another client (undici, ...), provide its `HttpClient` to
 * `layer`.
 *
 * @deprecated Use `layerFetch`, or `layer` with the `HttpClient` of your choice.
 * @since 0.1.0
 * @category layers
 */
export const layerNode = (options: AgentSecretStoreOptions = {}): Layer.Layer<SecretStore> => layerFetch(options)

/**
 * The same as `layer`, with its options read from `Config` (by default `config`). Options that break a rule fail with
 * a `Config.ConfigError` naming the option (and, from `config`, the variable).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config<AgentSecretStoreOptions> = config
): Layer.Layer<SecretStore, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    SecretStore,
    Effect.flatMap(
      Effect.flatMap(options, (read) =>
        Result.match(validate(read), {
          onFailure: (error) => Effect.fail(invalidConfig(error.message)),
          onSuccess: () => Effect.succeed(read)
        })),
      make
    )
  )

// The shared options as AwsSecretStore checks them, and the endpoint: an http(s) URL (not echoed: it may hold userinfo).
const validate = (
  options: AgentSecretStoreOptions
): Result.Result<AwsSecretStore.ResolvedOptions, AwsSecretStore.InvalidStoreOptions> => {
  if (options.endpoint !== undefined && !isHttpUrl(options.endpoint)) {
    return Result.fail(
      new AwsSecretStore.InvalidStoreOptions({
        store: "AgentSecretStore",
        option: "endpoint",
        reason: "must be an http:// or https:// URL, such as \"http://localhost:2773\""
      })
    )
  }
  return AwsSecretStore.validate(options, "AgentSecretStore")
}

const isHttpUrl = (endpoint: string): boolean => {
  try {
    const url = new URL(endpoint)
    return url.protocol === "http:" || url.protocol === "https:"
  } catch {
    return false
  }
}

/**
 * Reads `SECRETS_AGENT_ENDPOINT` and the retry and timeout settings `AwsSecretStore.config` reads
 * (`SECRETS_STORE_TIMEOUT`, `SECRETS_STORE_MAX_ATTEMPTS`, `SECRETS_STORE_RETRY_BASE`, `SECRETS_STORE_RETRY_MAX`,
 * `SECRETS_STORE_RETRY_BUDGET`); the token comes from `tokenConfig`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<AgentSecretStoreOptions> = Config.map(
  Config.all([
    AwsSecretStore.config,
    Config.option(
      Config.String("SECRETS_AGENT_ENDPOINT").pipe(
        Config.mapEffect((endpoint) =>
          isHttpUrl(endpoint)
            ? Effect.succeed(endpoint)
            : Effect.fail(
              invalidConfig("must be an http:// or https:// URL, such as \"http://localhost:2773\"", [
                "SECRETS_AGENT_ENDPOINT"
              ])
            )
        )
      )
    )
  ]),
  ([store, endpoint]) => ({ endpoint: Option.getOrUndefined(endpoint), timeout: store.timeout, retry: store.retry })
)

const nonEmpty = (name: string) =>
  Config.Redacted(name).pipe(
    Config.mapEffect((token) =>
      Redacted.value(token) !== "" ? Effect.succeed(token) : Effect.fail(invalidConfig("must not be empty", [name]))
    )
  )

/**
 * The SSRF token from the environment: the first of `AWS_TOKEN`, `AWS_SESSION_TOKEN` and
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN` that is set and not empty.
 *
 * @since 0.1.0
 * @category config
 */
export const tokenConfig: Config.Config<Option.Option<Redacted.Redacted<string>>> = Config.option(
  nonEmpty("AWS_TOKEN").pipe(
    Config.orElse(() => nonEmpty("AWS_SESSION_TOKEN")),
    Config.orElse(() => nonEmpty("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
  )
)

/**
 * Builds the store. The token and the default endpoint are read from `Config` here, once. Options that break a rule
 * are a defect (`AwsSecretStore.InvalidStoreOptions`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: AgentSecretStoreOptions = {}
): Effect.Effect<SecretStore.Service, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const resolved = yield* Result.match(validate(options), { onFailure: Effect.die, onSuccess: Effect.succeed })
    // The client's own span for a request keeps the request, headers and token included, in its exit (a 4xx or 5xx
    // answer ends it with an error holding the request): this store traces its requests itself, with attributes and
    // an exit that hold no token. `TracerDisabledWhen` is set around each request below.
    const client = yield* HttpClient.HttpClient
    const token = options.token === undefined
      ? Option.getOrUndefined(yield* Effect.orElseSucceed(tokenConfig, () => Option.none()))
      : options.token
    const endpoint = options.endpoint ?? (yield* defaultEndpoint)
    const url = `${endpoint.replace(/\/+$/, "")}/secretsmanager/get`
    const withRetries = retrying(resolved)

    // The token's value, read again from its file at each call when it names one (the agent may have restarted).
    const resolveToken = (secretId: string): Effect.Effect<string, SecretStoreError> => {
      if (token === undefined) {
        return Effect.fail(
          new SecretsMisconfigured({
            secretId,
            reason: "no SSRF token for the agent: set AWS_TOKEN (or AWS_SESSION_TOKEN) or the token option"
          })
        )
      }
      const value = Redacted.value(token)
      if (!value.startsWith("file://")) return Effect.succeed(value)
      const path = value.slice("file://".length)
      return Effect.tryPromise({
        try: (signal) => readFile(path, { encoding: "utf8", signal }),
        // The agent rewrites the file when it restarts: this process could not authenticate for now.
        catch: () =>
          new SecretsUnavailable({ secretId, reason: "credentials", detail: "the SSRF token file could not be read" })
      }).pipe(Effect.map((text) => text.trim()))
    }

    // One attempt: the request is aborted when the fiber is interrupted (a timeout included).
    const attempt = (request: SecretRequest, tokenValue: string) => {
      const get = HttpClientRequest.get(url).pipe(
        HttpClientRequest.setUrlParams({
          secretId: request.secretId,
          ...(request.versionId === undefined ? {} : { versionId: request.versionId }),
          ...(request.versionStage === undefined ? {} : { versionStage: request.versionStage })
        })
      )
      return client.execute(HttpClientRequest.setHeader(get, Agent.tokenHeader, tokenValue)).pipe(
        Effect.flatMap((response) =>
          Effect.andThen(
            Effect.annotateCurrentSpan("http.response.status_code", response.status),
            Effect.map(response.text, (text) =>
              response.status === 200
                ? Agent.toSecretValue200(request, text)
                : Result.fail(Agent.toStoreErrorFromAgent(request, response.status, text)))
          )
        ),
        Effect.catchTag("HttpClientError", (error) =>
          Effect.fail(
            // No answer (refused, reset, a bad URL); or an answer whose body broke off.
            error.reason._tag === "TransportError" || error.reason._tag === "EncodeError" ||
              error.reason._tag === "InvalidUrlError"
              ? Agent.toTransportError(request, error.reason.cause)
              : new SecretsUnavailable({ secretId: request.secretId, reason: "network" })
          )),
        Effect.flatMap(Effect.fromResult),
        Effect.timeoutOrElse({
          duration: resolved.timeout,
          orElse: () => Effect.fail(new SecretsUnavailable({ secretId: request.secretId, reason: "timeout" }))
        }),
        // The client's own span is off for this request: it would record the request, token header included.
        Effect.provideService(HttpClient.TracerDisabledWhen, () => true),
        // The span ends with this attempt's result (a Redacted value or a store error): no request, no header.
        Effect.withSpan(`http.client ${get.method}`, { kind: "client", attributes: spanAttributes(get) }, {
          captureStackTrace: false
        }),
        // A tracing HttpClient of the caller's own still records headers: the token is redacted there.
        Effect.updateService(Headers.CurrentRedactedNames, (names) => [...names, Agent.tokenHeader])
      )
    }

    const fetch = (request: SecretRequest): Effect.Effect<SecretValue, SecretStoreError> =>
      Effect.flatMap(
        resolveToken(request.secretId),
        (tokenValue) => withRetries(attempt(request, tokenValue))
      )

    // The agent has no batch route: `prefetch` reads one secret at a time.
    return SecretStore.of({ fetch })
  })

// The platform's client span attributes, without the headers or any userinfo of the endpoint.
const spanAttributes = (request: HttpClientRequest.HttpClientRequest): Record<string, unknown> => {
  const url = new URL(request.url)
  for (const [name, value] of request.urlParams) {
    if (typeof value === "string") url.searchParams.append(name, value)
  }
  url.username = ""
  url.password = ""
  return {
    "http.request.method": request.method,
    "server.address": url.origin,
    ...(url.port === "" ? {} : { "server.port": Number(url.port) }),
    "url.full": url.toString(),
    "url.path": url.pathname,
    "url.scheme": url.protocol.slice(0, -1),
    ...(url.search === "" ? {} : { "url.query": url.search.slice(1) })
  }
}

const defaultEndpoint = Config.option(Config.Int("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")).pipe(
  Effect.orElseSucceed(() => Option.none<number>()),
  Effect.map((port) => `http://localhost:${Option.getOrElse(port, () => 2773)}`)
)
