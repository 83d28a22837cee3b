/**
 * `SecretsConfigProvider`: config paths answered by secrets, with errors that never quote what a secret holds.
 *
 * Effect formats most parse errors as "Expected ... but received <text>", and several of them (`Config.duration`,
 * `Config.logLevel`, `Config.branded`, `Schema.Config`, `Config.mapAttempt`) are raised after the provider answered,
 * outside the flat `load`. So the rule is applied twice: where the provider parses a secret's text, and over the
 * whole error of a `load` that read a secret.
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

// Replaces an InvalidData raised over a secret's text after the provider answered: a Config check, brand, schema or
// `mapAttempt` may quote the value, and which one did cannot be told from the outside.
const rejectedMessage = "A value read from a secret was rejected by a Config check, brand or schema " +
  "(its message is not shown: it may quote the value)"
// Replaces the message of another kind of error that quoted a secret's text (a user's `Config.mapOrFail`).
const quotedMessage = "The message is not shown: it quoted a value read from a secret"
// Replaces a defect raised by a function over a secret's text (`Config.map(Config.string("N"), BigInt)`).
const threwMessage =
  "A function over a value read from a secret threw (its message is not shown: it may quote the value)"

// Errors this module wrote (path, secret id and expected type only): kept as they are.
const written = new WeakSet<ConfigError.ConfigError>()
const mark = (error: ConfigError.ConfigError): ConfigError.ConfigError => {
  written.add(error)
  return error
}
const invalidData = (path: ReadonlyArray<string>, message: string) => mark(ConfigError.InvalidData([...path], message))
const missingData = (path: ReadonlyArray<string>, message: string) => mark(ConfigError.MissingData([...path], message))

// What one `load` read: which paths a secret answered and which the fallback did, and the texts a secret gave.
interface Reads {
  readonly secretPaths: Array<ReadonlyArray<string>>
  readonly fallbackPaths: Array<ReadonlyArray<string>>
  readonly texts: Set<string>
}

// A user's message is searched for a secret's text only from this length on: shorter ones occur in any sentence.
const minQuotedLength = 4

const remember = (reads: Reads, text: string) => {
  for (const part of [text, ...text.split(",")]) {
    for (
      const form of [part, part.trim(), JSON.stringify(part).slice(1, -1), JSON.stringify(part.trim()).slice(1, -1)]
    ) {
      if (form.length >= minQuotedLength) reads.texts.add(form)
    }
  }
}

const isPrefix = (prefix: ReadonlyArray<string>, path: ReadonlyArray<string>) =>
  prefix.length <= path.length && prefix.every((segment, i) => segment === path[i])
const related = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => isPrefix(a, b) || isPrefix(b, a)

// Only an error that is provably about the fallback's value keeps its message: a check over several values, or one
// whose path the user chose (`InvalidData(["x"], ...)` from a `mapOrFail`), may be about a secret's.
const fromFallbackOnly = (path: ReadonlyArray<string>, reads: Reads) =>
  reads.fallbackPaths.some((read) => related(read, path)) && !reads.secretPaths.some((read) => related(read, path))

// Effect's own checks after a string primitive: their expected type is fixed text, their value is not kept.
const builtInCheck = /^Expected (a duration|a log level) but received /

const redact = (error: ConfigError.ConfigError, reads: Reads): ConfigError.ConfigError => {
  switch (error._op) {
    case "And":
      return ConfigError.And(redact(error.left, reads), redact(error.right, reads))
    case "Or":
      return ConfigError.Or(redact(error.left, reads), redact(error.right, reads))
    case "InvalidData": {
      // "<redacted>" is what `Config.redacted` already wrote over its inner errors.
      if (written.has(error) || error.message === "<redacted>" || fromFallbackOnly(error.path, reads)) return error
      const builtIn = builtInCheck.exec(error.message)
      return invalidData(
        error.path,
        builtIn === null ? rejectedMessage : `The value read from a secret does not parse: expected ${builtIn[1]}`
      )
    }
    case "MissingData":
      return written.has(error) || !quotes(error.message, reads) ? error : missingData(error.path, quotedMessage)
    case "Unsupported":
      return written.has(error) || !quotes(error.message, reads)
        ? error
        : mark(ConfigError.Unsupported([...error.path], quotedMessage))
    case "SourceUnavailable":
      // Its cause may quote the text as well as its message: both go.
      return written.has(error) || !quotes(error.message, reads)
        ? error
        : mark(ConfigError.SourceUnavailable([...error.path], quotedMessage, Cause.empty))
  }
}

const quotes = (message: string, reads: Reads) => {
  for (const text of reads.texts) if (message.includes(text)) return true
  return false
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

  // `reads` is per `load`; the `flattened` form other providers compose with has none.
  const flatFor = (reads: Reads | undefined): ConfigProvider.ConfigProvider.Flat =>
    ConfigProvider.makeFlat({
      load: (path, primitive, split) =>
        Effect.matchEffect(textAt(path), {
          onFailure: (error) => {
            if (!ConfigError.isMissingDataOnly(error)) return Effect.fail(error)
            reads?.fallbackPaths.push(path)
            return Effect.mapError(fallback.load(path, primitive, split), (other) => ConfigError.Or(error, other))
          },
          onSuccess: (text) => {
            const raw = Redacted.value(text)
            if (reads !== undefined) {
              reads.secretPaths.push(path)
              remember(reads, raw)
            }
            return parse(path, primitive, split, raw)
          }
        }),
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
        const reads: Reads = { secretPaths: [], fallbackPaths: [], texts: new Set() }
        return ConfigProvider.fromFlat(flatFor(reads)).load(config).pipe(
          Effect.mapError((error) => reads.secretPaths.length === 0 ? error : redact(error, reads)),
          Effect.catchAllDefect((defect) =>
            reads.secretPaths.length === 0 ? Effect.die(defect) : Effect.fail(invalidData([], threwMessage))
          )
        )
      }),
    flattened: flatFor(undefined)
  })
}
