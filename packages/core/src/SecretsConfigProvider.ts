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
 * `Config.logLevel`. Once a read has read any secret, every other error in it (`Schema.Config`, `Config.branded`,
 * `Config.validate`, `Config.mapAttempt`, `Config.mapOrFail`, the fallback's own) is rebuilt from its kind and path
 * alone: its message is replaced, a `SourceUnavailable`'s cause is dropped, and a path segment no read asked for
 * becomes `<redacted>`. The kind is kept, so `Config.withDefault` and `Config.orElse` answer as before. A function
 * over the text that throws (`Config.map(..., BigInt)`) fails with `InvalidData` instead of a defect. Only a read that
 * read no secret keeps its errors' messages.
 *
 * This holds for reads through the provider itself (`Effect.withConfigProvider`, `layer`). A provider built over its
 * `flattened` form (`ConfigProvider.orElse`, `ConfigProvider.nested`, `ConfigProvider.constantCase`,
 * `ConfigProvider.mapInputPath`) keeps only the primitives' parse errors safe: the checks run after the parse
 * (`Config.duration`, `Config.logLevel`, `Schema.Config`, `Config.branded`, `Config.validate`, `Config.mapOrFail`...)
 * are outside this provider there, and their messages may quote a secret's value. Compose other providers through
 * the `fallback` option instead.
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
