/**
 * `SecretsService`: read secrets through an in-memory cache that is deduplicated, rotation-aware, resilient and
 * leak-proof.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import { decodeJson } from "./internal/decode.js"
import * as internal from "./internal/secretsCache.js"
import * as internalWithSecret from "./internal/withSecret.js"
import type { SecretsError } from "./SecretsError.js"
import { isSecretsError } from "./SecretsError.js"
import type { SecretDecodeError } from "./SecretsError.js"
import * as SecretsOptions from "./SecretsOptions.js"
import { SecretStore } from "./SecretStore.js"
import type { SecretValue, VersionSelector } from "./SecretValue.js"
import { TestSecretStore } from "./TestSecretStore.js"

/**
 * Counters since the layer was built, and the number of values held now.
 *
 * @since 0.1.0
 * @category models
 */
export interface SecretsStats {
  /** Reads answered from a fresh entry. */
  readonly hits: number
  /** Reads that needed a load, or were answered by a remembered failure. */
  readonly misses: number
  /** Loads made: one store call each, or one share of a batched prefetch call. */
  readonly loads: number
  /** Store calls that failed. */
  readonly loadFailures: number
  /** Reads answered with a value past its TTL because the store failed transiently (stale-if-error). */
  readonly staleReads: number
  /** Background refreshes started by refresh-ahead. */
  readonly backgroundRefreshes: number
  /** Values dropped: least recently used at capacity, revoked, or past `maxStale`. */
  readonly evictions: number
  /** Values held now. */
  readonly size: number
}

/**
 * Options of `withSecret`: which failures are authentication failures (see `Auth`), how often a key may be force-
 * refreshed, and how long to wait for a rotation to finish.
 *
 * @since 0.1.0
 * @category models
 */
export interface WithSecretOptions<E> {
  /** Whether an error of `use` means the credential was refused (`Auth.isPostgresAuthFailure`, ...). */
  readonly isAuthFailure: (error: E) => boolean
  /** At most one forced store call per secret per this interval, across all fibers. Default: 5 seconds. */
  readonly minRefreshInterval?: Duration.Input | undefined
  /**
   * While no version works (a single-user rotation between setSecret and finishSecret, with no `AWSPENDING`), retry
   * after `base`, doubling up to `max`, for at most `budget` in all. Defaults: 500 milliseconds, 5 seconds, 90 seconds.
   */
  readonly waitForRotation?: {
    readonly base?: Duration.Input | undefined
    readonly max?: Duration.Input | undefined
    readonly budget?: Duration.Input | undefined
  } | undefined
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SecretsService extends Context.Service<SecretsService, SecretsService.Service>()(
  "@effect-secrets/core/SecretsService"
) {
  /**
   * The service over whatever `SecretStore` is provided.
   *
   * @since 0.1.0
   */
  static readonly layer = (options?: SecretsOptions.SecretsOptions): Layer.Layer<SecretsService, never, SecretStore> =>
    Layer.effect(SecretsService, make(options))

  /**
   * The service with its options read from `Config` (by default `SecretsOptions.config`: `SECRETS_CACHE_*`
   * environment variables).
   *
   * @since 0.1.0
   */
  static readonly layerConfig = (
    config: Config.Config<SecretsOptions.SecretsOptions> = SecretsOptions.config
  ): Layer.Layer<SecretsService, Config.ConfigError, SecretStore> =>
    Layer.effect(SecretsService, Effect.flatMap(config, make))

  /**
   * The service over an in-memory `TestSecretStore`, for your own tests: rotate with `TestSecretStore.put`, inject
   * faults with `failNext`, and drive TTLs with `TestClock`.
   *
   * @since 0.1.0
   */
  static readonly layerTest = (
    secrets?: Readonly<Record<string, string | Uint8Array>>,
    options?: SecretsOptions.SecretsOptions
  ): Layer.Layer<SecretsService | TestSecretStore | SecretStore> =>
    SecretsService.layer(options).pipe(Layer.provideMerge(TestSecretStore.layer(secrets)))
}

/**
 * @since 0.1.0
 */
export declare namespace SecretsService {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    /** The secret, from the cache when fresh, loaded (once, however many callers wait) when not. */
    readonly get: (secretId: string, options?: VersionSelector) => Effect.Effect<SecretValue, SecretsError>
    /** The SecretString; a binary secret fails with `SecretDecodeError`. */
    readonly getString: (
      secretId: string,
      options?: VersionSelector
    ) => Effect.Effect<Redacted.Redacted<string>, SecretsError>
    /** The SecretBinary; a string secret fails with `SecretDecodeError`. */
    readonly getBinary: (
      secretId: string,
      options?: VersionSelector
    ) => Effect.Effect<Redacted.Redacted<Uint8Array>, SecretsError>
    /**
     * The SecretString parsed as JSON and decoded with `schema` (declare sensitive fields
     * `Schema.RedactedFromValue(...)`). Failures name the path and the expected type, never the value. A version is
     * decoded once per schema.
     */
    readonly getJson: <A>(
      secretId: string,
      schema: Schema.Decoder<A>,
      options?: VersionSelector
    ) => Effect.Effect<A, SecretsError>
    /**
     * Loads now (joining a load already in flight) and replaces the entry. Fails with the store's error as it is;
     * a transient failure leaves the previous value in place.
     */
    readonly refresh: (secretId: string, options?: VersionSelector) => Effect.Effect<SecretValue, SecretsError>
    /**
     * Warms the cache with the current versions of many secrets: with the store's batch read where it has one
     * (`BatchGetSecretValue`, 20 ids per call, falling back to single reads without batch permission), one read per
     * secret otherwise. Secrets already fresh or loading are left alone. One result per id, in order: a secret that
     * fails fails alone.
     */
    readonly prefetch: (
      secretIds: Iterable<string>
    ) => Effect.Effect<ReadonlyArray<Result.Result<SecretValue, SecretsError>>>
    /**
     * Runs `use` with the secret; when it fails with an error `options.isAuthFailure` accepts (see `Auth`), finds the
     * credential that works now and runs `use` again: a forced refresh (deduplicated across fibers, at most one store
     * call per key per `minRefreshInterval`, default 5 seconds), then `AWSPENDING` while the store still returns the
     * version that failed (single-user rotation), then waiting with backoff (`waitForRotation`, default up to 90
     * seconds), never holding anything while it waits. Past that it fails with the original error.
     */
    readonly withSecret: <A, E, R>(
      secretId: string,
      use: (secret: SecretValue) => Effect.Effect<A, E, R>,
      options: WithSecretOptions<E>
    ) => Effect.Effect<A, E | SecretsError, R>
    /** `withSecret` for a JSON secret: `use` gets the value decoded with `schema` (and the version it came from). */
    readonly withSecretJson: <S, A, E, R>(
      secretId: string,
      schema: Schema.Decoder<S>,
      use: (value: S, secret: SecretValue) => Effect.Effect<A, E, R>,
      options: WithSecretOptions<E>
    ) => Effect.Effect<A, E | SecretsError, R>
    /**
     * Emits the secret each time a load (a refresh, an expiry, a forced refresh) finds a version other than the one
     * loaded before: a rotation. The first load emits nothing. A connection pool can drain and rebuild on it instead
     * of waiting for an auth failure. Ends when the layer closes.
     */
    readonly changes: (secretId: string, options?: VersionSelector) => Stream.Stream<SecretValue>
    /** Drops the entry; a load in flight will not put it back. */
    readonly invalidate: (secretId: string, options?: VersionSelector) => Effect.Effect<void>
    /** Drops every entry. */
    readonly invalidateAll: Effect.Effect<void>
    readonly stats: Effect.Effect<SecretsStats>
  }
}

/**
 * Builds the service in the current scope: closing the scope stops its loads and background refreshes. Options that
 * break a rule are a defect (`InvalidSecretsOptions`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options?: SecretsOptions.SecretsOptions
): Effect.Effect<SecretsService.Service, never, SecretStore | Scope.Scope> =>
  Effect.gen(function*() {
    const resolved = yield* Result.match(SecretsOptions.resolve(options), {
      onFailure: Effect.die,
      onSuccess: Effect.succeed
    })
    const store = yield* SecretStore
    // The service's own clock and random: every deadline and every jitter draw follows them (TestClock, TestRandom).
    const clock = yield* Clock.Clock
    const random = yield* Random.Random
    const cache = yield* internal.make(store, resolved, clock, random)
    const withSecret = internalWithSecret.withSecret({
      get: (secretId, options) => cache.read("value", secretId, options),
      forceRefresh: cache.forceRefresh
    })

    // Decoded JSON per version and schema, so a hot `getJson` does not parse on every call.
    const decoded = new WeakMap<SecretValue, WeakMap<object, Result.Result<unknown, SecretDecodeError>>>()
    const decode = <A>(secret: SecretValue, schema: Schema.Decoder<A>): Effect.Effect<A, SecretsError> => {
      let bySchema = decoded.get(secret)
      if (bySchema === undefined) {
        bySchema = new WeakMap()
        decoded.set(secret, bySchema)
      }
      let result = bySchema.get(schema) as Result.Result<A, SecretDecodeError> | undefined
      if (result === undefined) {
        result = decodeJson(secret, schema)
        bySchema.set(schema, result)
      }
      return Effect.fromResult(result)
    }

    return SecretsService.of({
      get: (secretId, options) => cache.read("value", secretId, options),
      getString: (secretId, options) => cache.read("string", secretId, options),
      getBinary: (secretId, options) => cache.read("binary", secretId, options),
      getJson: (secretId, schema, options) =>
        Schema.isSchema(schema)
          ? Effect.flatMap(cache.read("value", secretId, options), (secret) => decode(secret, schema))
          : Effect.die(new Error("SecretsService.getJson takes a Schema as its second argument")),
      prefetch: cache.prefetch,
      withSecret: (secretId, use, options) => withSecret(secretId, use, options),
      withSecretJson: (secretId, schema, use, options) =>
        withSecret(secretId, (secret) => Effect.flatMap(decode(secret, schema), (value) => use(value, secret)), {
          ...options,
          // A decode error is not an auth failure; only `use`'s errors are asked about.
          isAuthFailure: (error) => !isSecretsError(error) && options.isAuthFailure(error as never)
        }),
      changes: cache.changes,
      refresh: cache.refresh,
      invalidate: cache.invalidate,
      invalidateAll: cache.invalidateAll,
      stats: cache.stats
    })
  })
