/**
 * The typed errors of `@effect-secrets/core`.
 *
 * Every error names the secret it is about (`secretId`) and never carries any part of a secret value: not in its
 * fields, not in its `message`, not in its `cause`.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * The secret does not exist (or no version matches the requested stage or id). The cache evicts the entry at once:
 * a deleted secret is never served stale.
 *
 * @since 0.1.0
 * @category errors
 */
export class SecretNotFound extends Schema.TaggedError<SecretNotFound>()("SecretNotFound", {
  secretId: Schema.String,
  /** Set when the read asked for a version by id: the secret may exist while that version does not. */
  versionId: Schema.optional(Schema.String),
  /** Set when the read asked for a staging label: the secret may exist while no version carries it. */
  versionStage: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const version = this.versionId !== undefined
      ? ` version ${quoteId(this.versionId)}`
      : this.versionStage !== undefined
      ? ` at stage ${quoteId(this.versionStage)}`
      : ""
    return `Secret ${quoteId(this.secretId)}${version} was not found`
  }
}

/**
 * The caller may not read the secret (IAM, a resource policy, or a KMS key the role may not use). The cache evicts the
 * entry at once: a revoked secret is never served stale.
 *
 * @since 0.1.0
 * @category errors
 */
export class SecretAccessDenied extends Schema.TaggedError<SecretAccessDenied>()("SecretAccessDenied", {
  secretId: Schema.String,
  reason: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const reason = this.reason === undefined ? "" : `: ${this.reason}`
    return `Access to secret ${quoteId(this.secretId)} was denied${reason}`
  }
}

/**
 * Why a store call failed transiently.
 *
 * @since 0.1.0
 * @category errors
 */
export type UnavailableReason = "throttled" | "timeout" | "network" | "server" | "credentials" | "unavailable"

/**
 * Secrets Manager could not answer right now: throttled, timed out, a network error, a 5xx, an answer that could not
 * be read, or this process could not get credentials to sign the request (`"credentials"`: an instance or container
 * credentials endpoint that is slow for a moment, an expired session token being renewed). Transient: the cache keeps
 * serving the previous value for up to `maxStale` past its TTL while this lasts (stale-if-error).
 *
 * @since 0.1.0
 * @category errors
 */
export class SecretsUnavailable extends Schema.TaggedError<SecretsUnavailable>()("SecretsUnavailable", {
  secretId: Schema.String,
  reason: Schema.Literals(["throttled", "timeout", "network", "server", "credentials", "unavailable"]),
  /** What the store knows beyond the reason (the SDK's words for a credentials failure), never a value. */
  detail: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect())
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const detail = this.detail === undefined ? "" : `: ${this.detail}`
    return `Secrets Manager is unavailable for ${quoteId(this.secretId)} (${this.reason})${detail}`
  }
}

/**
 * The store is set up wrongly: no region, an endpoint URL that is not a URL, or a client the SDK refuses to build.
 * Not transient and not retried: waiting will not fix it, and a stale value would hide it. `reason` says what is
 * wrong in the SDK's words (checked to hold no secret).
 *
 * @since 0.2.0
 * @category errors
 */
export class SecretsMisconfigured extends Schema.TaggedError<SecretsMisconfigured>()("SecretsMisconfigured", {
  secretId: Schema.String,
  reason: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {
  /** @since 0.2.0 */
  override get message(): string {
    return `The secret store is misconfigured (reading ${quoteId(this.secretId)}): ${this.reason}`
  }
}

/**
 * The secret was read but does not have the shape the caller asked for: it is not valid JSON, does not match the
 * schema, or is binary where a string was asked for (or the reverse). It reports where (`path`) and what was expected
 * (`expected`), never what was found.
 *
 * @since 0.1.0
 * @category errors
 */
export class SecretDecodeError extends Schema.TaggedError<SecretDecodeError>()("SecretDecodeError", {
  secretId: Schema.String,
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  expected: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const at = this.path.length === 0 ? "" : ` at ${this.path.map((p) => `[${JSON.stringify(p)}]`).join("")}`
    return `Secret ${quoteId(this.secretId)} could not be decoded${at}: expected ${this.expected}`
  }
}

/**
 * The secret id (or its `versionStage` / `versionId`) is not one Secrets Manager accepts. Raised before any store
 * call is made.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidSecretId extends Schema.TaggedError<InvalidSecretId>()("InvalidSecretId", {
  secretId: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Invalid secret id ${quoteId(this.secretId)}: ${this.reason}`
  }
}

/**
 * Secrets Manager refused the request as invalid for the secret's current state, for example a secret that is
 * scheduled for deletion, or parameters it does not accept. Not transient: the cache evicts the entry.
 *
 * @since 0.1.0
 * @category errors
 */
export class SecretRequestRejected extends Schema.TaggedError<SecretRequestRejected>()("SecretRequestRejected", {
  secretId: Schema.String,
  reason: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Secrets Manager rejected the request for ${quoteId(this.secretId)}: ${this.reason}`
  }
}

/**
 * Every error the service can return.
 *
 * @since 0.1.0
 * @category errors
 */
export type SecretsError =
  | SecretNotFound
  | SecretAccessDenied
  | SecretsUnavailable
  | SecretDecodeError
  | InvalidSecretId
  | SecretRequestRejected
  | SecretsMisconfigured

/**
 * The errors a `SecretStore` call may fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type SecretStoreError =
  | SecretNotFound
  | SecretAccessDenied
  | SecretsUnavailable
  | SecretRequestRejected
  | SecretsMisconfigured

const tags = new Set<string>([
  "SecretNotFound",
  "SecretAccessDenied",
  "SecretsUnavailable",
  "SecretDecodeError",
  "InvalidSecretId",
  "SecretRequestRejected",
  "SecretsMisconfigured"
])

/**
 * @since 0.1.0
 * @category refinements
 */
export const isSecretsError = (u: unknown): u is SecretsError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag)

/**
 * Whether an error is worth waiting out: only `SecretsUnavailable`. The cache serves a previous value through
 * transient errors (stale-if-error) and evicts on every other error.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isTransient = (error: SecretsError): error is SecretsUnavailable => error._tag === "SecretsUnavailable"

// Ids are names or ARNs, not values; still, keep a pasted blob from flooding a log line.
const quoteId = (secretId: string): string =>
  JSON.stringify(secretId.length > 256 ? `${secretId.slice(0, 256)}…` : secretId)
