/**
 * `SecretsConfigProvider`: config paths answered by secrets, with errors that never quote what a secret holds.
 *
 * Effect 4's provider answers raw nodes (`ConfigProvider.make`), and `Config` parses them with Schema, whose issues
 * keep no input unless asked to (`reportInput`): so a value that does not parse is reported by path and expected type
 * by Effect itself. What this module writes (a `SourceError` for an outage, a value of the wrong shape) is built from
 * secret ids, field names and the service's own errors, which never hold a value.
 *
 * What a `Config` runs over a value after the provider answered (`map`, `mapEffect`, `flatMap`, a check's message) is
 * out of any provider's reach in Effect 4; `read` runs the whole parse instead, so it can rebuild those errors.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type { SecretsConfigProviderOptions } from "../SecretsConfigProvider.js"
import type { SecretsError } from "../SecretsError.js"
import type { SecretsService } from "../SecretsService.js"

const isPrefix = (prefix: ReadonlyArray<string>, path: ReadonlyArray<string>) =>
  prefix.length <= path.length && prefix.every((segment, i) => segment === path[i])

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

interface Source {
  readonly secretId: string
  readonly field: ReadonlyArray<string>
}

// What one `read` saw, in the order the parse asked: whether a secret's value was read yet, the path segments that
// may be shown, and the paths nothing answered.
interface Reads {
  secretRead: boolean
  readonly safe: Set<string>
  readonly absent: Set<string>
}

// The `Reads` of the `read` running in this fiber, if any: how this provider tells it that a secret answered even
// when a provider composed over this one hands the parse other node objects.
const CurrentReads = Context.Reference<Reads | undefined>("@effect-secrets/core/SecretsConfigProvider/CurrentReads", {
  defaultValue: () => undefined
})

// Nodes built from a secret's value: how `read`'s wrapper tells that a secret answered, through `orElse`, `nested`
// or `mapInput` (which pass nodes on as they are) and through a provider that caches nodes.
const fromSecret = new WeakSet<ConfigProvider.Node>()
const secretNode = <N extends ConfigProvider.Node | undefined>(node: N): N => {
  if (node !== undefined) fromSecret.add(node)
  return node
}

// SourceErrors this module wrote (secret ids, field names, the service's own error): `read` keeps them as they are.
const written = new WeakSet<ConfigProvider.SourceError>()
const sourceError = (options: { readonly message: string; readonly cause?: unknown }) => {
  const error = new ConfigProvider.SourceError(options)
  written.add(error)
  return error
}

// How a failed read of a secret reads to a `Config`: missing (`undefined`: the fallback and `withDefault` may answer),
// or a `SourceError` (the store's problem, or a value of the wrong shape): none of these falls back. The switch is
// exhaustive on purpose.
const fromError = (source: Source, error: SecretsError): Effect.Effect<undefined, ConfigProvider.SourceError> => {
  switch (error._tag) {
    case "SecretNotFound":
    case "InvalidSecretId":
      return Effect.succeed(undefined)
    case "SecretDecodeError":
      // Binary where text was asked for, or not JSON where a field was: the store answered, the value is wrong.
      return Effect.fail(
        sourceError({
          message: source.field.length === 0
            ? error.message
            : `${error.message} (to read its field ${source.field.join(".")})`
        })
      )
    case "SecretAccessDenied":
    case "SecretsUnavailable":
    case "SecretsMisconfigured":
    case "SecretRequestRejected":
      return Effect.fail(sourceError({ message: error.message, cause: error }))
  }
}

// An empty value is absent, as Effect 4's own providers read one (so `Config.withDefault` answers it); but it is a
// node, not `undefined`, so the fallback does not answer it: the secret is there, and empty.
const empty = ConfigProvider.makeRecord(new Set())

// Text as a node.
const textNode = (text: string): ConfigProvider.Node => text === "" ? empty : ConfigProvider.makeValue(text)

// A JSON value as a node: containers by their keys or length, scalars as text. `null` is no value.
const nodeOf = (value: unknown, text?: string): ConfigProvider.Node | undefined => {
  if (Array.isArray(value)) return ConfigProvider.makeArray(value.length, text)
  if (isRecord(value)) return ConfigProvider.makeRecord(new Set(Object.keys(value)), text)
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return textNode(String(value))
  }
  return text === undefined ? undefined : textNode(text)
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
  const locate = (path: ReadonlyArray<string>): Source | undefined => {
    let best: Source | undefined
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

  // A whole secret: its text, and its structure when it holds a JSON object or array (so a `Config.schema` of a
  // struct reads its fields). Text that is not JSON is a plain value. One read of the cache, as on Effect 3.
  const whole = (source: Source) =>
    Effect.matchEffect(secrets.getString(source.secretId), {
      onFailure: (error) => fromError(source, error),
      onSuccess: (redacted) => {
        const text = Redacted.value(redacted)
        let json: unknown = undefined
        try {
          json = JSON.parse(text)
        } catch {
          // Not JSON: a plain value. The parser's message quotes the text, and is dropped here.
        }
        return Effect.succeed(
          secretNode(typeof json === "object" && json !== null ? nodeOf(json, text) : textNode(text))
        )
      }
    })

  // A field of a JSON secret, walked segment by segment.
  const field = (source: Source) =>
    Effect.matchEffect(secrets.getJson(source.secretId, Schema.Unknown), {
      onFailure: (error) => fromError(source, error),
      onSuccess: (json): Effect.Effect<ConfigProvider.Node | undefined, ConfigProvider.SourceError> => {
        const secret = JSON.stringify(source.secretId)
        let value: unknown = json
        for (const [i, segment] of source.field.entries()) {
          if (Array.isArray(value) && /^\d+$/.test(segment)) {
            value = value[Number(segment)] // an element, for `Config.Array` over a JSON array
          } else if (isRecord(value)) {
            value = Object.hasOwn(value, segment) ? value[segment] : undefined
          } else {
            const at = i === 0 ? `Secret ${secret}` : `Secret ${secret}'s field ${source.field.slice(0, i).join(".")}`
            return Effect.fail(
              sourceError({ message: `${at} is not a JSON object: expected one with field ${segment}` })
            )
          }
          if (value === undefined || value === null) return Effect.succeed(undefined)
        }
        return Effect.succeed(secretNode(nodeOf(value)))
      }
    })

  // The fallback answers only what no secret answers (not mapped, or missing): an outage or a value of the wrong
  // shape must not quietly become an environment variable's value.
  const fallback = options.fallback ?? ConfigProvider.fromEnv()

  // The mapping's keys are names the user configured, not values: a `read` may show them in any error's path.
  const mappingSegments = mapping.flatMap((entry) => entry.path)

  return ConfigProvider.make((input) =>
    Effect.gen(function*() {
      const reads = yield* CurrentReads
      if (reads !== undefined) { for (const segment of mappingSegments) reads.safe.add(segment) }
      const path = input.map(String)
      const source = locate(path)
      const answer = source === undefined
        ? Effect.succeed(undefined)
        : source.field.length === 0
        ? whole(source)
        : field(source)
      return yield* Effect.flatMap(answer, (node) => {
        if (node !== undefined) {
          if (reads !== undefined) reads.secretRead = true
          return Effect.succeed(node)
        }
        // A path above mapped ones is a record of their next segments, with what the fallback has there.
        const children = new Set(
          mapping.flatMap((entry) =>
            entry.path.length > path.length && isPrefix(path, entry.path) ? [entry.path[path.length]!] : []
          )
        )
        const other = fallback.load(input)
        if (children.size === 0) return other
        return Effect.map(other, (found) => {
          if (found?._tag === "Record") { for (const key of found.keys) children.add(key) }
          return ConfigProvider.makeRecord(children, found?.value)
        })
      })
    })
  )
}

// What replaces what an error said, in a `read` that read a secret: the error may be a user's, about any of the
// values read, and its message, path, cause or schema may quote a secret's.
const hidden = "its message is not shown: this Config also read a secret, which the message may quote"
const invalidMessage = `The value is invalid (${hidden})`
const missingMessage = `The value is missing (${hidden})`
const sourceMessage =
  "The source failed (its message and cause are not shown: this Config also read a secret, which they may quote)"
// Replaces a defect raised by a function over a value (`Config.map(Config.String("N"), BigInt)`).
const threwMessage =
  "A function over a value read from a secret threw (its message is not shown: it may quote the value)"
// Replaces a path segment no source answered and no read asked for before a secret was read: a user chose it (in a
// `mapEffect` error, or a `Config.flatMap` to a path built from the value) and may have put a value in it.
const hiddenSegment = "<redacted>"

const pathKey = (path: ReadonlyArray<PropertyKey>) => JSON.stringify(path.map(String))

// Wraps the provider for one read: every path asked is recorded before it is passed on, so the paths asked before
// the first secret answered are known, and so are the paths a source answered and the ones none did.
const recording = (provider: ConfigProvider.ConfigProvider, reads: Reads): ConfigProvider.ConfigProvider =>
  ConfigProvider.make((path) =>
    Effect.suspend(() => {
      const before = !reads.secretRead
      return Effect.map(provider.load(path), (node) => {
        if (node !== undefined && fromSecret.has(node)) reads.secretRead = true
        // Asked before any secret was read, it cannot hold one; answered, it names something the configuration has.
        if (before || node !== undefined) { for (const segment of path) reads.safe.add(String(segment)) }
        if (node === undefined) reads.absent.add(pathKey(path))
        return node
      })
    })
  )

interface Leaf {
  readonly path: ReadonlyArray<PropertyKey>
  readonly missing: boolean
}

// The failures an issue tree stands for, each by its full path and whether it says nothing was there: a missing key,
// or a type error at a path no source answered (Effect 4's `Config` reports an absent value as "Expected <type>").
const leavesOf = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>, reads: Reads): Array<Leaf> => {
  switch (issue._tag) {
    case "Pointer":
      return leavesOf(issue.issue, [...path, ...issue.path], reads)
    case "Encoding":
      return leavesOf(issue.issue, path, reads)
    case "Filter":
      // A check ran, so a value was there.
      return leavesOf(issue.issue, path, reads).map((leaf) => ({ ...leaf, missing: false }))
    case "Composite":
      return issue.issues.flatMap((inner) => leavesOf(inner, path, reads))
    case "AnyOf":
      return issue.issues.length > 0
        ? issue.issues.flatMap((inner) => leavesOf(inner, path, reads))
        : [{ path, missing: reads.absent.has(pathKey(path)) }]
    case "MissingKey":
      return [{ path, missing: true }]
    case "InvalidType":
      return [{ path, missing: reads.absent.has(pathKey(path)) }]
    default:
      return [{ path, missing: false }]
  }
}

// A `SchemaError` rebuilt from its failures' kinds and safe path segments: no message, schema or input of the
// original is kept (a schema built inside `Config.flatMap` may hold the value, as `Config.Literal(value)` does).
const rebuildSchemaError = (error: Schema.SchemaError, reads: Reads): Schema.SchemaError => {
  const seen = new Set<string>()
  const issues: Array<SchemaIssue.Issue> = []
  for (const leaf of leavesOf(error.issue, [], reads)) {
    const path = leaf.path.map((segment) =>
      typeof segment !== "symbol" && reads.safe.has(String(segment)) ? segment : hiddenSegment
    )
    const key = `${leaf.missing}:${pathKey(path)}`
    if (seen.has(key)) continue
    seen.add(key)
    const issue = leaf.missing
      ? new SchemaIssue.MissingKey({ messageMissingKey: missingMessage })
      : new SchemaIssue.InvalidValue({ message: invalidMessage })
    issues.push(path.length > 0 ? new SchemaIssue.Pointer(path, issue) : issue)
  }
  const [first, ...rest] = issues
  if (first === undefined) return new Schema.SchemaError(new SchemaIssue.InvalidValue({ message: invalidMessage }))
  // Several failures are grouped under no schema of the original: its AST could hold a value too.
  return new Schema.SchemaError(
    rest.length === 0 ? first : new SchemaIssue.Composite(Schema.Unknown.ast, [first, ...rest])
  )
}

const rebuild = (error: unknown, reads: Reads): Config.ConfigError => {
  if (!(error instanceof Config.ConfigError)) {
    return new Config.ConfigError(new Schema.SchemaError(new SchemaIssue.InvalidValue({ message: invalidMessage })))
  }
  const inner = error.cause
  if (Schema.isSchemaError(inner)) return new Config.ConfigError(rebuildSchemaError(inner, reads))
  // What this module wrote names secrets and fields only, and says what went wrong with the store: kept.
  if (written.has(inner)) return error
  return new Config.ConfigError(new ConfigProvider.SourceError({ message: sourceMessage }))
}

/** @internal */
export const read = <A>(config: Config.Config<A>): Effect.Effect<A, Config.ConfigError> =>
  Effect.gen(function*() {
    const reads: Reads = { secretRead: false, safe: new Set(), absent: new Set() }
    const provider = yield* ConfigProvider.ConfigProvider
    return yield* config.parse(recording(provider, reads)).pipe(
      Effect.provideService(CurrentReads, reads),
      Effect.catchCause((cause) => {
        if (!reads.secretRead) return Effect.failCause(cause)
        // Interruptions are kept; a defect becomes a ConfigError that does not repeat it, fresh reasons drop the
        // originals' annotations.
        let threw = false
        const reasons: Array<Cause.Reason<Config.ConfigError>> = []
        for (const reason of cause.reasons) {
          if (Cause.isFailReason(reason)) reasons.push(Cause.makeFailReason(rebuild(reason.error, reads)))
          else if (Cause.isDieReason(reason)) threw = true
          else reasons.push(reason)
        }
        if (threw) {
          reasons.push(
            Cause.makeFailReason(
              new Config.ConfigError(new Schema.SchemaError(new SchemaIssue.InvalidValue({ message: threwMessage })))
            )
          )
        }
        return Effect.failCause(Cause.fromReasons(reasons))
      })
    )
  })
