/**
 * A `ConfigProvider` that reads configuration from secrets, through the cache: `Config.Redacted("DB_PASSWORD")`,
 * `Config.String("DB_USER")` and `Config.schema(...)` work unchanged.
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as internal from "./internal/configProvider.js"
import { SecretsService } from "./SecretsService.js"

/**
 * Where one config path comes from: a whole secret, or a field of a JSON secret (a dotted path: `"db.password"`).
 * A mapping whose config path is a prefix of the requested one reads the rest of the path as fields: map `DB` to a
 * JSON secret and `Config.nested(Config.String("username"), "DB")` reads its `username`; a whole JSON secret is also
 * a record of its fields, so `Config.schema(Struct, "DB")` reads them together.
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
 * The provider, reading through the given service (Effect 4's `ConfigProvider.make`).
 *
 * A missing secret or field is no node at all (so `Config.withDefault` works) after `fallback` had its turn. Secrets
 * Manager being unavailable, denying access, rejecting the request or being misconfigured is a
 * `ConfigProvider.SourceError` (its `cause` is the service's error), and so is a secret that is there but has the
 * wrong shape (binary where text is read, not JSON or not an object where a field is read); none of these falls back.
 *
 * No error quotes a secret's value: what this provider writes names the secret and the field, and Effect 4's `Config`
 * reports a value that does not parse (`Config.Int`, `Config.Port`, `Config.Literals`, `Config.Duration`,
 * `Config.schema`...) by path and expected type, without the input. A function or a check of your own over the value
 * (`Config.map`, `Config.mapEffect`, `Config.flatMap`, a `Schema` check with its own message) runs after the provider
 * answered, where no provider sees its errors: read such a `Config` through {@link read}, which rebuilds them. An
 * empty secret or field is absent (`Config.withDefault` answers it) and is not the fallback's to answer.
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
  ConfigProvider.layer(make(options))

/**
 * Reads `config` against the `ConfigProvider` in context, so that no error holds any part of a secret's value, even
 * one your own code wrote: use it instead of `yield* config` for a `Config` that runs functions or checks of your own
 * over a value (`Config.map`, `Config.mapEffect`, `Config.flatMap`, `Config.orElse`, a `Schema` check whose message
 * you compute). Plain `yield* config` is already safe for Effect 4's own parsing and checks, which quote no input.
 *
 * The provider is wrapped for this read, which records whether a secret's value was read (through `orElse`,
 * `nested`, `mapInput` and the `fallback` option alike) and, in order, the paths the parse asked for. If no secret was
 * read, the read's errors and defects are what `yield* config` gives, untouched. (A provider of yours that answers
 * from copies it took earlier, without asking this one during the read, hides the read: snapshot through `read`.)
 * If one was:
 *
 * - a `SchemaError` is rebuilt from its failures alone: each says "The value is missing" (nothing was there) or "The
 *   value is invalid", with a fixed note that the original message is not shown; no message, schema, input or cause
 *   of the original is kept;
 * - a `SourceError` is replaced by one with a fixed message and no cause, except one this provider wrote (an outage
 *   or a value of the wrong shape, naming the secret and the field, never the value), which is kept;
 * - a defect (a function over a value threw: `Config.map(Config.String("N"), BigInt)`) becomes a `ConfigError` saying
 *   so, without the defect's message; interruptions stay as they are;
 * - a path segment is kept only if the read asked for it before the first secret's value was read, a source answered
 *   it (a mapped or prefixed secret, a JSON field, a `fallback` key), or it is a segment of `mapping`'s keys; any
 *   other is `<redacted>`, so a path built from a value (`Config.flatMap(Config.String("A"), s => Config.String(s))`)
 *   does not show it.
 *
 * `Config.withDefault`, `Config.option` and `Config.orElse` inside `config` answer as they would with `yield*`: they
 * run inside the parse, before `read` sees its final error.
 *
 * @example
 * ```ts
 * import { Config, Effect } from "effect"
 * import { SecretsConfigProvider } from "@effect-secrets/core"
 *
 * const apiKey = Config.String("API_KEY").pipe(
 *   Config.map((key) => BigInt(key)) // throws, quoting the key, if it is not a number
 * )
 * const program = Effect.gen(function*() {
 *   const key = yield* SecretsConfigProvider.read(apiKey) // or apiKey.pipe(SecretsConfigProvider.read)
 *   return key
 * })
 * ```
 *
 * @since 1.0.0
 * @category reading
 */
export const read: <A>(config: Config.Config<A>) => Effect.Effect<A, Config.ConfigError> = internal.read
