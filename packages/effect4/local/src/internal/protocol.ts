/**
 * The AWS JSON 1.1 wire protocol: `POST /` with `X-Amz-Target: secretsmanager.<Operation>` and a JSON body in, JSON
 * out, errors as `{"__type": "<ErrorName>", "message": "..."}` with the name also in `x-amzn-errortype`. Timestamps
 * are epoch seconds (numbers), blobs are base64.
 *
 * Nothing here ever puts a request body, or any part of it, into an error: validation errors name the member, never
 * its value.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Schema from "effect/Schema"
import type * as SchemaIssue from "effect/SchemaIssue"
import { randomUUID } from "node:crypto"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import * as Errors from "./errors.js"

/** @internal */
export const contentType = "application/x-amz-json-1.1"

const targetPrefix = "secretsmanager."

/**
 * The operation an `X-Amz-Target` header names, or `undefined` when it names none of this service's.
 *
 * @internal
 */
export const operationOf = (target: string | undefined): string | undefined =>
  target !== undefined && target.startsWith(targetPrefix) && target.length > targetPrefix.length
    ? target.slice(targetPrefix.length)
    : undefined

/**
 * The request body as a JSON object; an empty body is `{}`, as the SDK sends for operations without input.
 *
 * @internal
 */
export const parseBody = (text: string): Effect.Effect<Record<string, unknown>, SecretsManagerError> =>
  Effect.suspend(() => {
    if (text.trim() === "") return Effect.succeed({})
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return Effect.fail(Errors.serialization("The request body is not valid JSON."))
    }
    return typeof json === "object" && json !== null && !Array.isArray(json)
      ? Effect.succeed(json as Record<string, unknown>)
      : Effect.fail(Errors.serialization("The request body must be a JSON object."))
  })

interface Violation {
  readonly path: ReadonlyArray<PropertyKey>
  readonly missing: boolean
}

// The members an issue names and whether each is missing: the path and the kind, never the input.
const violationsOf = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): Array<Violation> => {
  switch (issue._tag) {
    case "Pointer":
      return violationsOf(issue.issue, [...path, ...issue.path])
    case "Filter":
    case "Encoding":
      return violationsOf(issue.issue, path)
    case "Composite":
      return issue.issues.flatMap((i) => violationsOf(i, path))
    case "AnyOf":
      // Every member of a union that failed (`undefined` of an optional member among them) is a violation at the
      // union's own path too, after those of its members: the messages Effect 3's line answered.
      return [...issue.issues.flatMap((i) => violationsOf(i, path)), { path, missing: false }]
    case "MissingKey":
      return [{ path, missing: true }]
    default:
      return [{ path, missing: false }]
  }
}

const constraintOf = (violation: Violation): string =>
  violation.missing ? "Member must not be null" : "Member must satisfy its type and length constraints"

/**
 * Decodes an operation's input. A failure is a `ValidationException` that names the members, never their values.
 *
 * @internal
 */
export const decodeInput = <S extends Schema.Constraint>(schema: S) => {
  const decode = Schema.decodeUnknownEffect(schema, { errors: "all", onExcessProperty: "ignore" })
  return (input: unknown): Effect.Effect<S["Type"], SecretsManagerError, S["DecodingServices"]> =>
    Effect.catch(
      decode(input),
      (error) => {
        const details = [
          ...new Set(
            violationsOf(error.issue, []).map((violation) =>
              `Value at '${violation.path.map(String).join(".")}' failed to satisfy constraint: ${
                constraintOf(violation)
              }`
            )
          )
        ]
        const count = `${details.length} validation error${details.length === 1 ? "" : "s"} detected`
        return Effect.fail(Errors.validation(`${count}: ${details.join("; ")}`))
      }
    )
}

/**
 * A timestamp on the wire: epoch seconds, with milliseconds as the fraction.
 *
 * @internal
 */
export const epochSeconds = (millis: number): number => millis / 1000

/** @internal */
export const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

const json = (status: number, body: unknown, headers: Record<string, string>) =>
  HttpServerResponse.text(JSON.stringify(body), {
    status,
    contentType,
    headers: { "x-amzn-requestid": randomUUID(), ...headers }
  })

/** @internal */
export const success = (body: unknown): HttpServerResponse.HttpServerResponse => json(200, body, {})

/**
 * An error response. `message` is what the SDK reads; `Message` is the member the Secrets Manager model declares.
 *
 * @internal
 */
export const failure = (error: SecretsManagerError): HttpServerResponse.HttpServerResponse =>
  json(error.status, { __type: error.code, message: error.message, Message: error.message }, {
    "x-amzn-errortype": error.code
  })
