/** @internal */
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { SecretDecodeError } from "../SecretsError.js"
import type { SecretValue } from "../SecretValue.js"

/**
 * Parses a SecretString as JSON and decodes it with a schema, reporting failures by path and expected type only.
 *
 * `Schema.parseJson` would copy `JSON.parse`'s message (which quotes the text) into its error, and every
 * `ParseResult` formatter prints the `actual` value, even under `Schema.Redacted`; so neither is used here.
 *
 * @internal
 */
export const decodeJson = <A, I>(
  secret: SecretValue,
  schema: Schema.Schema<A, I, never>
): Either.Either<A, SecretDecodeError> => {
  const fail = (path: ReadonlyArray<string | number>, expected: string) =>
    Either.left(new SecretDecodeError({ secretId: secret.secretId, path, expected }))
  if (secret.kind !== "string") return fail([], "a SecretString holding JSON (the secret is binary)")
  let json: unknown
  try {
    json = JSON.parse(Redacted.value(secret.value))
  } catch {
    return fail([], "a JSON document")
  }
  let result: Either.Either<A, ParseResult.ParseError>
  try {
    result = Schema.decodeUnknownEither(schema)(json, { errors: "first", onExcessProperty: "ignore" })
  } catch {
    // A transformation that throws (`BigInt(s)`, `new URL(s)`) puts the value in its message: drop it.
    return fail([], "a value the schema's transformations accept (one of them threw)")
  }
  if (Either.isRight(result)) return Either.right(result.right)
  const { expected, path } = firstProblem(result.left.issue, [])
  return fail(path, expected)
}

// Walks to the first failing leaf, collecting the path. Only the schema side (`ast`) is ever read, never `actual`
// nor `message` (a message annotation may be computed from the actual value).
const firstProblem = (
  issue: ParseResult.ParseIssue,
  path: Array<string | number>
): { readonly path: ReadonlyArray<string | number>; readonly expected: string } => {
  switch (issue._tag) {
    case "Pointer": {
      const segments = Array.isArray(issue.path) ? issue.path : [issue.path]
      for (const segment of segments) path.push(typeof segment === "number" ? segment : String(segment))
      return firstProblem(issue.issue, path)
    }
    case "Composite": {
      const issues = Arr.ensure(issue.issues)
      // Keys the schema declares are the schema's words; any other key (a record's, an excess property) came from
      // the secret, and is shown as <key>.
      if (AST.isTypeLiteral(issue.ast)) {
        const declared = new Set<PropertyKey>(issue.ast.propertySignatures.map((ps) => ps.name))
        const first = issues[0]
        if (first !== undefined && first._tag === "Pointer") {
          const segments = Array.isArray(first.path) ? first.path : [first.path]
          for (const segment of segments) path.push(declared.has(segment) ? String(segment) : "<key>")
          return firstProblem(first.issue, path)
        }
      }
      // In a union, follow the one member that got past its type check (an optional field is `T | undefined`);
      // if none or several did, the union itself is what was expected.
      const next = AST.isUnion(issue.ast)
        ? (issues.filter((i) => i._tag !== "Type").length === 1 ? issues.find((i) => i._tag !== "Type") : undefined)
        : issues[0]
      return next === undefined ? { path, expected: describe(issue.ast) } : firstProblem(next, path)
    }
    case "Refinement":
      return issue.kind === "Predicate" ? { path, expected: describe(issue.ast) } : firstProblem(issue.issue, path)
    case "Transformation":
      return issue.kind === "Transformation" ? { path, expected: describe(issue.ast) } : firstProblem(issue.issue, path)
    case "Missing":
      return { path, expected: `${describe(issue.ast)} (the field is missing)` }
    case "Unexpected":
      return { path, expected: "no such element" }
    case "Forbidden":
      return { path, expected: "a schema that decodes synchronously" }
    case "Type":
      return { path, expected: describe(issue.ast) }
  }
}

const describe = (ast: AST.AST | AST.Type): string => String(ast)
