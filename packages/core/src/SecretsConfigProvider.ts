/**
 * A `ConfigProvider` that reads configuration from secrets, through the cache: `Config.redacted("DB_PASSWORD")`,
 * `Config.string("DB_USER")` and `Schema.Config(...)` work unchanged.
 *
 * @since 0.1.0
 */
import type * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internal from "./internal/configProvider.js"
import { SecretsService } from "./SecretsService.js"

/**
 * Where one config path comes from: a whole secret, or a field of a JSON secret (a dotted path: `"db.password"`).
 * A mapping whose config path is a prefix of the requested one reads the rest of the path as fields: map `DB` to a
 * JSON secret and `Config.nested(Config.string("username"), "DB")` reads its `username`.
 *
 * @since 0.1.0
 * @category models
 */
export type SecretSource = string | { readonly secretId: string; readonly field?: string | undefined }

/**
 * @since 0.1.0
 * @category models
 */
export interface SecretsConfigProviderOptions {
  /** Config path (segments joined with `pathDelim`) to the secret it reads. */
  readonly mapping?: Readonly<Record<string, SecretSource>> | undefined
  /**
   * Prefix mode: a path not in `mapping` reads the secret named `prefix` + the path's segments joined with `/`
   * (`"prod/app/"` + `DB_PASSWORD`).
   */
  readonly prefix?: string | undefined
  /** What answers a path no secret answers (not mapped, or missing). Default: the environment. */
  readonly fallback?: ConfigProvider.ConfigProvider | undefined
  /** How path segments are joined in `mapping`'s keys. Default: `"."`. */
  readonly pathDelim?: string | undefined
}

/**
 * The provider, reading through the given service.
 *
 * Errors: a missing secret or field is `ConfigError.MissingData` (so `Config.withDefault` works) after `fallback` had
 * its turn. A secret that is there but has the wrong shape (binary where text is read, not JSON or not an object
 * where a field is read, a field that is an object) is `InvalidData`. Secrets Manager being unavailable, denying
 * access, rejecting the request or being misconfigured is `SourceUnavailable`; none of these falls back.
 *
 * No error quotes a secret's value, whichever `Config` reads it: a primitive that does not parse (`Config.integer`,
 * `Config.port`, `Config.literal`...) is reported by path and expected type, and so are `Config.duration` and
 * `Config.logLevel`; any other `InvalidData` raised over a secret's text (`Schema.Config`, `Config.branded`,
 * `Config.validate`, `Config.mapAttempt`, `Config.mapOrFail`) gets a fixed message, the check's own being unknowable as
 * safe; another kind of error whose message quotes the text (4 characters or more) gets a fixed message; and a
 * function over the text that throws (`Config.map(..., BigInt)`) fails with `InvalidData` instead of a defect. Errors
 * about a value the fallback gave keep Effect's messages.
 *
 * This holds for reads through the provider itself (`Effect.withConfigProvider`, `layer`): a provider built over its
 * `flattened` form (`ConfigProvider.orElse`, `ConfigProvider.nested`, `ConfigProvider.constantCase`) still keeps
 * primitives' messages safe but not the checks run after them. Compose through `fallback` instead.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromService: (
  secrets: SecretsService.Service,
  options?: SecretsConfigProviderOptions
) => ConfigProvider.ConfigProvider = internal.fromService

/**
 * The provider over the `SecretsService` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options?: SecretsConfigProviderOptions
): Effect.Effect<ConfigProvider.ConfigProvider, never, SecretsService> =>
  Effect.map(SecretsService, (secrets) => fromService(secrets, options))

/**
 * Makes the provider the program's `ConfigProvider`: every `Config` read after it is built reads secrets first.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: SecretsConfigProviderOptions): Layer.Layer<never, never, SecretsService> =>
  Layer.unwrapEffect(Effect.map(make(options), Layer.setConfigProvider))
