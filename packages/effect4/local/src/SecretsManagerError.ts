/**
 * The error a `LocalSecretsManager` operation fails with: the same error AWS Secrets Manager would answer with, by
 * its AWS name (`ResourceNotFoundException`, `InvalidRequestException`, ...), and the HTTP status it travels with.
 *
 * Its message never contains any part of a secret value.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category errors
 */
export class SecretsManagerError extends Schema.TaggedError<SecretsManagerError>()("SecretsManagerError", {
  /** The AWS error name, sent as `__type` on the wire, e.g. `ResourceNotFoundException`. */
  code: Schema.String,
  /** The HTTP status AWS answers this error with. */
  status: Schema.Number,
  message: Schema.String
}) {}
