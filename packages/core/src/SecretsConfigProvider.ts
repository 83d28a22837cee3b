/**
 * A `ConfigProvider` that reads configuration from secrets, through the cache: `Config.redacted("DB_PASSWORD")`,
 * `Config.string("DB_USER")` and `Schema.Config(...)` work unchanged.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as ConfigProviderPathPatch from "effect/ConfigProviderPathPatch"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SecretsError } from "./SecretsError.js"
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
 * The provider, reading through the given service. A missing secret or field is `ConfigError.MissingData` (so
 * `Config.withDefault` works) after `fallback` had its turn; Secrets Manager being unavailable or denying access is
 * `ConfigError.SourceUnavailable`. No error quotes a value: a value that does not parse (`Config.integer` of a
 * non-number) is reported by path and type only.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromService = (
  secrets: SecretsService.Service,
  options: SecretsConfigProviderOptions = {}
): ConfigProvider.ConfigProvider => {
  const delim = options.pathDelim ?? "."
  const mapping = Object.entries(options.mapping ?? {}).map(([key, source]) => ({
    path: key.split(delim),
    secretId: typeof source === "string" ? source : source.secretId,
    field: typeof source === "string" || source.field === undefined ? [] : source.field.split(".")
  }))

  // The secret and field path that answer a config path, if any.
  const locate = (path: ReadonlyArray<string>) => {
    let best: { readonly secretId: string; readonly field: ReadonlyArray<string> } | undefined
    let bestLength = -1
    for (const entry of mapping) {
      const isPrefix = entry.path.length <= path.length && entry.path.every((segment, i) => segment === path[i])
      if (isPrefix && entry.path.length > bestLength) {
        best = { secretId: entry.secretId, field: [...entry.field, ...path.slice(entry.path.length)] }
        bestLength = entry.path.length
      }
    }
    if (best !== undefined) return best
    return options.prefix === undefined ? undefined : { secretId: `${options.prefix}${path.join("/")}`, field: [] }
  }

  const missing = (path: ReadonlyArray<string>, message: string) =>
    Effect.fail(ConfigError.MissingData([...path], message))

  // The text at a config path, kept Redacted until the primitive parses it.
  const textAt = (
    path: ReadonlyArray<string>
  ): Effect.Effect<Redacted.Redacted<string>, ConfigError.ConfigError> => {
    const source = locate(path)
    if (source === undefined) return missing(path, "No secret is mapped to this path")
    const toConfigError = (error: SecretsError): ConfigError.ConfigError =>
      error._tag === "SecretNotFound" || error._tag === "InvalidSecretId"
        ? ConfigError.MissingData([...path], `Secret ${JSON.stringify(source.secretId)} does not exist`)
        : ConfigError.SourceUnavailable([...path], error.message, Cause.fail(error))
    if (source.field.length === 0) return Effect.mapError(secrets.getString(source.secretId), toConfigError)
    return Effect.mapError(secrets.getJson(source.secretId, Schema.Unknown), toConfigError).pipe(
      Effect.flatMap((json) => {
        let value: unknown = json
        for (const segment of source.field) {
          value = Predicate.isRecord(value) && Object.hasOwn(value, segment) ? value[segment] : undefined
        }
        if (value === undefined || value === null) {
          return missing(path, `Secret ${JSON.stringify(source.secretId)} has no field ${source.field.join(".")}`)
        }
        return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
          ? Effect.succeed(Redacted.make(String(value)))
          : Effect.fail(ConfigError.InvalidData([...path], "The secret's field is not a string, number or boolean"))
      })
    )
  }

  // The fallback answers only what no secret answers (MissingData): an outage or a value that does not parse must not
  // quietly become an environment variable's value.
  const fallback = (options.fallback ?? ConfigProvider.fromEnv()).flattened
  const flat = ConfigProvider.makeFlat({
    load: (path, primitive, split) =>
      Effect.flatMap(textAt(path), (text) => {
        const raw = Redacted.value(text)
        // A whole value is taken as it is (a password may end in a space); only a split list is trimmed around commas.
        const parts = split ? raw.split(/\s*,\s*/) : [raw]
        const parsed: Array<unknown> = []
        for (const part of parts) {
          const result = primitive.parse(part)
          // Effect's own parse errors quote the text ("Expected an integer value but received ..."): not here.
          if (Either.isLeft(result)) {
            return Effect.fail(ConfigError.InvalidData([...path], "The secret's value does not parse as this type"))
          }
          parsed.push(result.right)
        }
        return Effect.succeed(parsed as Array<never>)
      }).pipe(
        Effect.catchIf(ConfigError.isMissingDataOnly, (missing) =>
          Effect.mapError(fallback.load(path, primitive, split), (error) => ConfigError.Or(missing, error)))
      ),
    enumerateChildren: (path) => {
      const children = mapping.flatMap((entry) =>
        entry.path.length > path.length && path.every((segment, i) => segment === entry.path[i])
          ? [entry.path[path.length]!]
          : []
      )
      return Effect.map(
        Effect.orElseSucceed(fallback.enumerateChildren(path), () => HashSet.empty<string>()),
        (fromFallback) => HashSet.union(HashSet.fromIterable(children), fromFallback)
      )
    },
    patch: ConfigProviderPathPatch.empty
  })
  return ConfigProvider.fromFlat(flat)
}

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
