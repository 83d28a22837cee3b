/**
 * `SecretsConfigProvider`: config paths answered by secrets, with errors that never quote what a secret holds.
 *
 * Effect formats most parse errors as "Expected ... but received <text>", several of its checks (`Config.duration`,
 * `Config.logLevel`, `Config.branded`, `Schema.Config`, `Config.mapAttempt`) run after the provider answered, outside
 * the flat `load`, and a user's `Config.mapOrFail` may write anything into any error's message, path or cause. So the
 * rule is applied twice: where the provider parses a secret's text (a message built from the expected type), and over
 * the whole error of a `load` that read a secret: every error this module did not write is rebuilt from its kind and
 * path alone. A `load` that read no secret keeps its errors as they are.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as ConfigProviderPathPatch from "effect/ConfigProviderPathPatch"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashSet from "effect/HashSet"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SecretsConfigProviderOptions } from "../SecretsConfigProvider.js"
import type { SecretsError } from "../SecretsError.js"
import type { SecretsService } from "../SecretsService.js"

// What replaces the message of an error this module did not write, in a load that read a secret: the error may be a
// fallback's or a user's, about any of the values read, and its message may quote a secret's.
const hidden = "its message is not shown: this Config also read a secret, which the message may quote"
const hiddenMessages = {
  InvalidData: `The value is invalid (${hidden})`,
  MissingData: `The value is missing (${hidden})`,
  Unsupported: `The read is unsupported (${hidden})`,
  SourceUnavailable: `The source is unavailable (${hidden})`
} as const
// Replaces a defect raised by a function over a secret's text (`Config.map(Config.string("N"), BigInt)`).
const threwMessage =
  "A function over a value read from a secret threw (its message is not shown: it may quote the value)"
// Replaces a segment of an error's path that no read asked for: a user's `mapOrFail` chose it, and may have put a
// value in it.
const hiddenSegment = "<redacted>"

// Errors this module wrote (path, secret id and expected type only): kept as they are.
const written = new WeakSet<ConfigError.ConfigError>()
const mark = (error: ConfigError.ConfigError): ConfigError.ConfigError => {
  written.add(error)
  return error
}
const invalidData = (path: ReadonlyArray<string>, message: string) => mark(ConfigError.InvalidData([...path], message))
const missingData = (path: ReadonlyArray<string>, message: string) => mark(ConfigError.MissingData([...path], message))

// What one `load` read: whether a secret answered any path, and the segments of every path it asked for.
interface Reads {
  readSecret: boolean
  readonly segments: Set<string>
}

const isPrefix = (prefix: ReadonlyArray<string>, path: ReadonlyArray<string>) =>
  prefix.length <= path.length && prefix.every((segment, i) => segment === path[i])

// Effect's own checks after a string primitive: their expected type is fixed text, the only part kept.
const builtInCheck = /^Expected (a duration|a log level) but received /

// Rebuilds every error this module did not write from its kind and path. The kind is kept, so `Config.withDefault`
// and `Config.orElse` answer as they would have; a SourceUnavailable's cause goes with its message.
const redact = (error: ConfigError.ConfigError, reads: Reads): ConfigError.ConfigError => {
  if (error._op === "And") return ConfigError.And(redact(error.left, reads), redact(error.right, reads))
  if (error._op === "Or") return ConfigError.Or(redact(error.left, reads), redact(error.right, reads))
  if (written.has(error)) return error
  const path = error.path.map((segment) => reads.segments.has(segment) ? segment : hiddenSegment)
  // "<redacted>" is what `Config.redacted` writes over its inner errors: a constant, kept for what it tells.
  const message = error.message === "<redacted>" ? error.message : hiddenMessages[error._op]
  switch (error._op) {
    case "InvalidData": {
      const builtIn = builtInCheck.exec(error.message)
      return invalidData(path, builtIn === null ? message : `The value does not parse: expected ${builtIn[1]}`)
    }
    case "MissingData":
      return missingData(path, message)
    case "Unsupported":
      return mark(ConfigError.Unsupported(path, message))
    case "SourceUnavailable":
      return mark(ConfigError.SourceUnavailable(path, message, Cause.empty))
  }
}

// How a failed read of a secret reads to a `Config`: missing (the fallback and `withDefault` may answer), the value's
// own problem (`InvalidData`), or the store's (`SourceUnavailable`). The switch is exhaustive on purpose.
const toConfigError = (
  path: ReadonlyArray<string>,
  source: { readonly secretId: string; readonly field: ReadonlyArray<string> },
  error: SecretsError
): ConfigError.ConfigError => {
  switch (error._tag) {
    case "SecretNotFound":
    case "InvalidSecretId":
      return missingData(path, `Secret ${JSON.stringify(source.secretId)} does not exist`)
    case "SecretDecodeError":
      // Binary where text was asked for, or not JSON where a field was: the store answered, the value is wrong.
      return invalidData(
        path,
        source.field.length === 0 ? error.message : `${error.message} (to read its field ${source.field.join(".")})`
      )
    case "SecretAccessDenied":
    case "SecretsUnavailable":
    case "SecretsMisconfigured":
    case "SecretRequestRejected":
      return mark(ConfigError.SourceUnavailable([...path], error.message, Cause.fail(error)))
  }
}

/** @internal */
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
      if (isPrefix(entry.path, path) && entry.path.length > bestLength) {
        best = { secretId: entry.secretId, field: [...entry.field, ...path.slice(entry.path.length)] }
        bestLength = entry.path.length
      }
    }
    if (best !== undefined) return best
    return options.prefix === undefined ? undefined : { secretId: `${options.prefix}${path.join("/")}`, field: [] }
  }

  // The text at a config path, kept Redacted until the primitive parses it.
  const textAt = (path: ReadonlyArray<string>): Effect.Effect<Redacted.Redacted<string>, ConfigError.ConfigError> => {
    const source = locate(path)
    if (source === undefined) return Effect.fail(missingData(path, "No secret is mapped to this path"))
    const secret = JSON.stringify(source.secretId)
    if (source.field.length === 0) {
      return Effect.mapError(secrets.getString(source.secretId), (error) => toConfigError(path, source, error))
    }
    return Effect.mapError(
      secrets.getJson(source.secretId, Schema.Unknown),
      (error) => toConfigError(path, source, error)
    ).pipe(
      Effect.flatMap((json) => {
        let value: unknown = json
        for (const [i, segment] of source.field.entries()) {
          if (!Predicate.isRecord(value)) {
            const at = i === 0 ? `Secret ${secret}` : `Secret ${secret}'s field ${source.field.slice(0, i).join(".")}`
            return Effect.fail(invalidData(path, `${at} is not a JSON object: expected one with field ${segment}`))
          }
          value = Object.hasOwn(value, segment) ? value[segment] : undefined
          if (value === undefined || value === null) {
            return Effect.fail(missingData(path, `Secret ${secret} has no field ${source.field.join(".")}`))
          }
        }
        return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
          ? Effect.succeed(Redacted.make(String(value)))
          : Effect.fail(
            invalidData(path, `Secret ${secret}'s field ${source.field.join(".")} is not a string, number or boolean`)
          )
      })
    )
  }

  // Parses a secret's text. Every failure gets a message built from the primitive's description, whatever the
  // parser wrote: a message quoting part of a value, or a one-character value, cannot be found by searching for it.
  const parse = <A>(
    path: ReadonlyArray<string>,
    primitive: Config.Config.Primitive<A>,
    split: boolean,
    raw: string
  ): Effect.Effect<Array<A>, ConfigError.ConfigError> => {
    const message = `The value read from a secret does not parse: expected ${primitive.description}`
    // A whole value is taken as it is (a password may end in a space); only a split list is trimmed around commas.
    const parts = split ? raw.split(/\s*,\s*/) : [raw]
    const parsed: Array<A> = []
    for (const part of parts) {
      let result: Either.Either<A, ConfigError.ConfigError>
      try {
        result = primitive.parse(part)
      } catch {
        // A parser that throws (`new URL(text)` in a hand-written primitive) may put the text in its message.
        return Effect.fail(invalidData(path, message))
      }
      if (Either.isLeft(result)) {
        // The kind is kept: `Config.nonEmptyString` of "" is MissingData, so `Config.withDefault` still answers it.
        return Effect.fail(
          ConfigError.isMissingDataOnly(result.left) ? missingData(path, message) : invalidData(path, message)
        )
      }
      parsed.push(result.right)
    }
    return Effect.succeed(parsed)
  }

  // The fallback answers only what no secret answers (MissingData): an outage, a value that does not parse, or an
  // empty one must not quietly become an environment variable's value.
  const fallback = (options.fallback ?? ConfigProvider.fromEnv()).flattened

  // `reads` is per `load`. The `flattened` form other providers compose with has none: it parses a secret's text as
  // safely, but the checks a `Config` runs after the parse are out of its reach (the JSDoc and README say so).
  const flatFor = (reads: Reads | undefined): ConfigProvider.ConfigProvider.Flat =>
    ConfigProvider.makeFlat({
      load: (path, primitive, split) => {
        for (const segment of path) reads?.segments.add(segment)
        return Effect.matchEffect(textAt(path), {
          onFailure: (error) =>
            ConfigError.isMissingDataOnly(error)
              ? Effect.mapError(fallback.load(path, primitive, split), (other) => ConfigError.Or(error, other))
              : Effect.fail(error),
          onSuccess: (text) => {
            if (reads !== undefined) reads.readSecret = true
            return parse(path, primitive, split, Redacted.value(text))
          }
        })
      },
      enumerateChildren: (path) => {
        const children = mapping.flatMap((entry) =>
          entry.path.length > path.length && isPrefix(path, entry.path) ? [entry.path[path.length]!] : []
        )
        return Effect.map(
          Effect.orElseSucceed(fallback.enumerateChildren(path), () => HashSet.empty<string>()),
          (fromFallback) => HashSet.union(HashSet.fromIterable(children), fromFallback)
        )
      },
      patch: ConfigProviderPathPatch.empty
    })

  return ConfigProvider.make({
    load: (config) =>
      Effect.suspend(() => {
        const reads: Reads = { readSecret: false, segments: new Set() }
        return ConfigProvider.fromFlat(flatFor(reads)).load(config).pipe(
          Effect.mapError((error) => reads.readSecret ? redact(error, reads) : error),
          Effect.catchAllDefect((defect) =>
            reads.readSecret ? Effect.fail(invalidData([], threwMessage)) : Effect.die(defect)
          )
        )
      }),
    flattened: flatFor(undefined)
  })
}
