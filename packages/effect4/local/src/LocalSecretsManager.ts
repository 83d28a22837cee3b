/**
 * A local AWS Secrets Manager endpoint for tests, demos and development without an AWS account: an HTTP server on
 * 127.0.0.1 that speaks the Secrets Manager wire protocol (JSON 1.1), so the real `SecretsManagerClient` talks to it
 * with `endpoint: url`. It keeps everything in memory, never checks signatures, and never logs or echoes secret values.
 * The same server also answers the AWS Secrets Manager Agent's `GET /secretsmanager/get`, for clients of the agent.
 *
 * Faults (latency, throttling, server errors, hung connections, any AWS error) can be injected per secret or for all,
 * from a test through `faults` or from outside through `POST /_local/faults`.
 *
 * It answers only requests addressed to a loopback host (or one of `allowedHosts`) and not made by a web page of
 * another origin, and it bounds what any client can make it hold: see `Limits`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { ServeError } from "effect/http/HttpServerError"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Calls from "./internal/calls.js"
import * as Connections from "./internal/connections.js"
import * as InternalFaults from "./internal/faults.js"
import * as InternalLimits from "./internal/limits.js"
import * as Node from "./internal/node.js"
import * as Server from "./internal/server.js"
import * as State from "./internal/state.js"
import type { SecretsManagerError } from "./SecretsManagerError.js"

/**
 * @since 0.1.0
 * @category tags
 */
export class LocalSecretsManager extends Context.Service<LocalSecretsManager, LocalSecretsManager.Service>()(
  "@effect-secrets/local/LocalSecretsManager"
) {
  /**
   * Starts the server on 127.0.0.1 (`port` 0, the default, picks a free port), seeds `secrets` (each with one
   * `AWSCURRENT` version), and stops it when the layer's scope closes.
   *
   * @since 0.1.0
   */
  static readonly layer = (options?: LocalSecretsManager.Options): Layer.Layer<LocalSecretsManager, ServeError> =>
    Layer.effect(LocalSecretsManager, make(options))
}

/**
 * @since 0.1.0
 */
export declare namespace LocalSecretsManager {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Options {
    /** The port to listen on, on 127.0.0.1. Default 0: any free port. */
    readonly port?: number | undefined
    /** Secrets to create at start, name to value; each gets one `AWSCURRENT` version. */
    readonly secrets?: Readonly<Record<string, string | Uint8Array>> | undefined
    /** The region in ARNs. Default `us-east-1`. */
    readonly region?: string | undefined
    /** The account id in ARNs. Default `000000000000`. */
    readonly accountId?: string | undefined
    /**
     * The SSRF token the agent route (`GET /secretsmanager/get`) requires in `X-Aws-Parameters-Secrets-Token` (or
     * `X-Vault-Token`), as the AWS Secrets Manager Agent does. Default: any non-empty token is accepted; a request
     * without one is refused with 403, as the agent refuses it.
     */
    readonly agentToken?: string | undefined
    /**
     * Host names answered besides the loopback ones (`localhost`, `127.0.0.0/8`, `[::1]`, any port), e.g.
     * `host.docker.internal` when a container reaches this server through its host. Any other `Host`, and any
     * `Origin` on another host (a web page calling this server from a browser), is refused with 403
     * `AccessDeniedException`: a page that rebinds its DNS name to 127.0.0.1 cannot read the secrets.
     *
     * @since 0.2.0
     */
    readonly allowedHosts?: ReadonlyArray<string> | undefined
    /**
     * Bounds on what clients can make the server hold; each defaults as `Limits` documents.
     *
     * @since 0.2.0
     */
    readonly limits?: Limits | undefined
  }

  /**
   * The bounds, each optional. Requests past them are answered in AWS's error shape.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Limits {
    /**
     * The largest request body, in bytes. Default 1 MiB: the largest request AWS accepts is about 0.55 MB even with
     * every character escaped. A larger body is refused as soon as it is declared (`Content-Length`) or read past
     * the limit, with 413 `RequestEntityTooLargeException`, and its connection closes.
     */
    readonly maxRequestBytes?: number | undefined
    /**
     * Connections open at once. Default 256. Past it a new connection takes the place of the oldest one without a
     * request in progress (a slow client's first); only when all have one is it refused.
     */
    readonly maxConnections?: number | undefined
    /** Time for a connection to send a request's headers; past it Node answers 408 and closes it. Default 10 s. */
    readonly headersTimeout?: Duration.Input | undefined
    /** Time for a connection to send a whole request; at least `headersTimeout`. Default 30 s. */
    readonly requestTimeout?: Duration.Input | undefined
    /** An idle keep-alive connection closes after this. Default 5 s (Node's). */
    readonly keepAliveTimeout?: Duration.Input | undefined
    /**
     * Secret ids whose calls are counted one by one, the most recently named kept. Default 4096. Totals by
     * operation stay exact.
     */
    readonly maxTrackedSecretIds?: number | undefined
    /** Secrets (or all) that `POST /_local/faults` can set rules for. Default 1000. */
    readonly maxFaultTargets?: number | undefined
    /**
     * What all secrets may hold: values, names, descriptions and tags, plus a fixed estimate per secret (1 KiB) and
     * per version (256 bytes). Default 64 MiB. Past it CreateSecret and PutSecretValue fail with
     * `LimitExceededException`, as at an AWS quota.
     */
    readonly maxStoredBytes?: number | undefined
    /**
     * Versions one secret keeps. Default 100, AWS's quota. At it, PutSecretValue removes the oldest version without
     * a staging label, or fails with `LimitExceededException` when every version has one.
     */
    readonly maxVersionsPerSecret?: number | undefined
  }

  /**
   * Which calls a fault applies to: one secret (by name, full ARN or partial ARN) or, without `secretId`, all.
   *
   * @since 0.1.0
   * @category models
   */
  export interface FaultTarget {
    readonly secretId?: string | undefined
  }

  /**
   * The errors `faults.fail` can inject.
   *
   * @since 0.1.0
   * @category models
   */
  export type InjectableError = InternalFaults.InjectableError

  /**
   * Faults for the operations that read secret values (`GetSecretValue`, `BatchGetSecretValue`, and the agent route's
   * `AgentGet`, which answers a fault as the agent forwards it: Secrets Manager's status and error name). A secret's
   * own rule wins over the rule for all secrets. For one call: the latency first, then a hang, then an injected error,
   * then a server error, then throttling.
   *
   * @since 0.1.0
   * @category models
   */
  export interface Faults {
    /** Every matching call waits this long first, on Effect's `Clock` (so `TestClock` drives it in-process). */
    readonly setLatency: (latency: Duration.Input, options?: FaultTarget) => Effect.Effect<void>
    /**
     * The next `next` matching calls, and then a `fraction` of them (drawn from Effect's `Random`), fail with
     * `ThrottlingException` (HTTP 400). Replaces the previous throttle rule for the target.
     */
    readonly throttle: (
      options: FaultTarget & { readonly next?: number | undefined; readonly fraction?: number | undefined }
    ) => Effect.Effect<void>
    /** The next `next` matching calls fail with `InternalServiceError` (HTTP 500). */
    readonly serverError: (options: FaultTarget & { readonly next: number }) => Effect.Effect<void>
    /**
     * The next `next` matching calls are never answered. Each ends when its client disconnects or aborts, or when
     * the server shuts down (its connection is then destroyed).
     */
    readonly hang: (options: FaultTarget & { readonly next: number }) => Effect.Effect<void>
    /** The next `next` matching calls fail with the given AWS error, e.g. `AccessDeniedException`. */
    readonly fail: (
      options: FaultTarget & {
        readonly code: InjectableError
        readonly next: number
        readonly message?: string | undefined
      }
    ) => Effect.Effect<void>
    /** Removes every fault. */
    readonly clear: Effect.Effect<void>
  }

  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** The endpoint for `SecretsManagerClient`, e.g. `http://127.0.0.1:54321`. */
    readonly url: string
    readonly port: number
    /**
     * Settings for a `SecretsManagerClient` that talks to this endpoint: its URL, its region, and placeholder
     * credentials (signatures are not checked). `new SecretsManagerClient(local.clientConfig)`, or
     * `AwsSecrets.layer({ clientConfig: local.clientConfig })`.
     */
    readonly clientConfig: {
      readonly endpoint: string
      readonly region: string
      readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
    }
    /**
     * API calls received, failed and faulted ones included: all, by operation name, and/or by the `SecretId` (or
     * `Name`, or an id of `SecretIdList`) as written in the request. A BatchGetSecretValue call counts once. Calls
     * to the agent route count as `AgentGet`, by their `secretId`. Totals are exact; counts by secret id are kept for
     * the `limits.maxTrackedSecretIds` ids named most recently, and any operation name that is not Secrets Manager's
     * counts as `Unknown`.
     */
    readonly calls: (operation?: string, secretId?: string) => Effect.Effect<number>
    /**
     * Completes once at least `atLeast` matching calls (counted as `calls` counts them) have been received, without
     * polling or sleeping: how a test knows the server has a call in hand, e.g. before aborting a hung one.
     */
    readonly awaitCalls: (atLeast: number, operation?: string, secretId?: string) => Effect.Effect<void>
    readonly resetCalls: Effect.Effect<void>
    readonly faults: Faults
    /** Creates a secret with one `AWSCURRENT` version, as CreateSecret does. Not counted as a call. */
    readonly createSecret: (
      name: string,
      value: string | Uint8Array,
      options?: { readonly description?: string | undefined }
    ) => Effect.Effect<{ readonly arn: string; readonly name: string; readonly versionId: string }, SecretsManagerError>
    /**
     * Adds a version, as PutSecretValue does, and returns its id. `stages` defaults to `["AWSCURRENT"]`; moving
     * `AWSCURRENT` puts `AWSPREVIOUS` on the version that was current.
     */
    readonly putSecretValue: (
      secretId: string,
      value: string | Uint8Array,
      stages?: ReadonlyArray<string>
    ) => Effect.Effect<string, SecretsManagerError>
    /** Moves or removes a staging label, as UpdateSecretVersionStage does. */
    readonly updateSecretVersionStage: (
      secretId: string,
      options: {
        readonly versionStage: string
        readonly moveToVersionId?: string | undefined
        readonly removeFromVersionId?: string | undefined
      }
    ) => Effect.Effect<void, SecretsManagerError>
    /**
     * Schedules the secret for deletion after `recoveryWindowInDays` (default 30), or with `force` removes it at once,
     * as DeleteSecret does.
     */
    readonly deleteSecret: (
      secretId: string,
      options?: { readonly force?: boolean | undefined; readonly recoveryWindowInDays?: number | undefined }
    ) => Effect.Effect<void, SecretsManagerError>
    /** Cancels a scheduled deletion, as RestoreSecret does. */
    readonly restoreSecret: (secretId: string) => Effect.Effect<void, SecretsManagerError>
  }
}

/**
 * Starts a server in the current scope and closes it with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options?: LocalSecretsManager.Options
): Effect.Effect<LocalSecretsManager.Service, ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const limits = yield* Effect.sync(() => InternalLimits.resolve(options?.limits))
    const state = State.make({
      region: options?.region ?? "us-east-1",
      accountId: options?.accountId ?? "000000000000",
      maxStoredBytes: limits.maxStoredBytes,
      maxVersionsPerSecret: limits.maxVersionsPerSecret
    })
    const faults = InternalFaults.make()
    const calls = Calls.make({ maxTrackedSecretIds: limits.maxTrackedSecretIds })
    const hung = Server.makeHung()

    const service: Omit<LocalSecretsManager.Service, "url" | "port" | "clientConfig"> = {
      calls: calls.count,
      awaitCalls: calls.awaitCount,
      resetCalls: calls.reset,
      faults: {
        setLatency: (latency, target) => faults.setLatency(latency, target?.secretId),
        throttle: (options) => faults.throttle(options, options.secretId),
        serverError: (options) => faults.serverError(options.next, options.secretId),
        hang: (options) => faults.hang(options.next, options.secretId),
        fail: (options) => faults.fail(options.code, options.next, options.message, options.secretId),
        clear: faults.clear
      },
      createSecret: (name, value, createOptions) =>
        Effect.map(
          state.create({
            name,
            payload: State.payloadOf(value),
            versionId: undefined,
            description: createOptions?.description,
            tags: undefined
          }),
          ({ secret, version }) => ({ arn: secret.arn, name: secret.name, versionId: version?.id ?? "" })
        ),
      putSecretValue: (secretId, value, stages) =>
        Effect.map(
          state.put(secretId, { payload: State.payloadOf(value), versionId: undefined, stages }),
          ({ version }) => version.id
        ),
      updateSecretVersionStage: (secretId, stageOptions) =>
        Effect.asVoid(state.updateStage(secretId, {
          stage: stageOptions.versionStage,
          moveToVersionId: stageOptions.moveToVersionId,
          removeFromVersionId: stageOptions.removeFromVersionId
        })),
      deleteSecret: (secretId, deleteOptions) =>
        Effect.asVoid(state.remove(secretId, {
          force: deleteOptions?.force ?? false,
          recoveryWindowInDays: deleteOptions?.recoveryWindowInDays
        })),
      restoreSecret: (secretId) => Effect.asVoid(state.restore(secretId))
    }

    for (const [name, value] of Object.entries(options?.secrets ?? {})) {
      yield* Effect.orDie(service.createSecret(name, value))
    }

    const connections = Connections.make(limits)
    const server = yield* Node.make(connections.server, { port: options?.port ?? 0, host: "127.0.0.1" })
    yield* server.serve(
      yield* Server.app({
        state,
        faults,
        calls,
        hung,
        agentToken: options?.agentToken,
        allowedHosts: options?.allowedHosts ?? [],
        limits
      })
    )
    // Registered after the server, so it runs before the server closes: hung calls and idle or slow connections
    // would otherwise hold it open.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        Server.closeHung(hung)
        connections.closeIdle()
      })
    )

    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    const url = `http://127.0.0.1:${port}`
    const clientConfig = {
      endpoint: url,
      region: options?.region ?? "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" }
    }
    return { ...service, url, port, clientConfig }
  })
