/** @internal */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import { SecretDecodeError } from "../SecretsError.js"
import type { SecretValue } from "../SecretValue.js"

/**
 * Parses a SecretString as JSON and decodes it with a schema, reporting failures by path and expected type only.
 *
 * `Schema.fromJsonString` would copy `JSON.parse`'s message (which quotes the text) into its error, and a check's or
 * a transformation's own message may quote the value; so the error is rebuilt from the schema side alone.
 *
 * @internal
 */
export const decodeJson = <A>(
  secret: SecretValue,
  schema: Schema.Decoder<A>
): Result.Result<A, SecretDecodeError> => {
  const fail = (path: ReadonlyArray<string | number>, expected: string) =>
    Result.fail(new SecretDecodeError({ secretId: secret.secretId, path, expected }))
  if (secret.kind !== "string") return fail([], "a SecretString holding JSON (the secret is binary)")
  let json: unknown
  try {
    json = JSON.parse(Redacted.value(secret.value))
  } catch {
    return fail([], "a JSON document")
  }
  let result: Result.Result<A, Schema.SchemaError>
  try {
    // No `reportInput`: Effect 4's issues then keep no input, and nothing below reads one.
    result = Schema.decodeUnknownResult(schema)(json, { errors: "first", onExcessProperty: "ignore" })
  } catch {
    // A transformation that throws (`BigInt(s)`, `new URL(s)`) puts the value in its message: drop it.
    return fail([], "a value the schema's transformations accept (one of them threw)")
  }
  if (Result.isSuccess(result)) return Result.succeed(result.success)
  const { expected, path } = firstProblem(result.failure.issue, [], undefined)
  return fail(path, expected)
}

// Walks to the first failing leaf, collecting the path. Only the schema side (ASTs, filters, `expected` annotations)
// is read, never an issue's `input` nor a message written at parse time (a check's message may quote the value).
// `at` is the schema expected at the current path, when known (a missing field's issue carries none).
const firstProblem = (
  issue: SchemaIssue.Issue,
  path: Array<string | number>,
  at: AST.AST | undefined
): { readonly path: ReadonlyArray<string | number>; readonly expected: string } => {
  switch (issue._tag) {
    case "Pointer": {
      // A pointer outside a struct's own keys (those are read in "Composite") was written at parse time, and may be
      // made of the value: only an index is the schema's.
      for (const segment of issue.path) path.push(typeof segment === "number" ? segment : "<key>")
      return firstProblem(issue.issue, path, undefined)
    }
    case "Composite": {
      const first = issue.issues[0]
      // Keys the schema declares are the schema's words; any other key (a record's, an excess property) came from
      // the secret, and is shown as <key>.
      if (AST.isObjects(issue.ast) && first._tag === "Pointer") {
        const declared = new Map<PropertyKey, AST.AST>(issue.ast.propertySignatures.map((ps) => [ps.name, ps.type]))
        for (const segment of first.path) {
          path.push(typeof segment === "number" ? segment : declared.has(segment) ? String(segment) : "<key>")
        }
        const last = first.path[first.path.length - 1]
        return firstProblem(first.issue, path, last === undefined ? undefined : declared.get(last))
      }
      return firstProblem(first, path, undefined)
    }
    case "AnyOf": {
      // In a union, follow the one member that got past its type check (an optional field is `T | undefined`); if
      // none or several did, the union itself is what was expected.
      const past = issue.issues.filter((i) => i._tag !== "InvalidType")
      return past.length === 1 ? firstProblem(past[0]!, path, undefined) : { path, expected: describe(issue.ast) }
    }
    case "Filter":
      return { path, expected: expectedOfFilter(issue.filter) }
    case "Encoding":
      // An Encoding wraps the source side's parse (schema-side issues: walk on) or a transformation's own failure,
      // made at parse time from the value (a bare value issue or a pointer of its own): the schema's description
      // stands for that, as on the Effect 3 line.
      return issue.issue._tag === "InvalidValue" || issue.issue._tag === "Forbidden" || issue.issue._tag === "Pointer"
        ? { path, expected: describe(issue.ast) }
        : firstProblem(issue.issue, path, issue.ast)
    case "MissingKey":
      return { path, expected: `${at === undefined ? "a value" : describe(at)} (the field is missing)` }
    case "UnexpectedKey":
      return { path, expected: "no such element" }
    case "Forbidden":
      return { path, expected: "a schema that decodes synchronously" }
    case "InvalidType":
    case "OneOf":
      return { path, expected: describe(issue.ast) }
    case "InvalidValue":
      // Its annotations were written at parse time and may quote the value: the schema side only.
      return { path, expected: at === undefined ? "a valid value" : describe(at) }
  }
}

// The formatter's words for a schema, from a fresh issue that holds no input.
const formatter = SchemaIssue.makeFormatterDefault()
const describe = (ast: AST.AST): string => formatter(new SchemaIssue.InvalidType(ast)).replace(/^Expected /, "")

const expectedOfFilter = (filter: AST.Filter<unknown>): string => {
  const expected = filter.annotations?.expected
  if (typeof expected === "string") return expected
  return formatter(new SchemaIssue.Filter(filter, new SchemaIssue.InvalidValue())).replace(
    /^Expected /,
    ""
  )
}
