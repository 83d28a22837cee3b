/**
 * A secret as read from Secrets Manager: its metadata in the clear, its value `Redacted`.
 *
 * @since 0.1.0
 */
import type * as Redacted from "effect/Redacted"

/**
 * What is common to string and binary secrets.
 *
 * @since 0.1.0
 * @category models
 */
export interface SecretMetadata {
  /** The id the caller asked for (a name or an ARN). */
  readonly secretId: string
  /** The secret's friendly name. */
  readonly name: string
  /** The secret's full ARN. */
  readonly arn: string
  /** The id of the version that was read. */
  readonly versionId: string
  /** The staging labels attached to that version (`AWSCURRENT`, `AWSPREVIOUS`, `AWSPENDING`, ...). */
  readonly versionStages: ReadonlyArray<string>
  /** When the version was created, when the store knows it. */
  readonly createdDate?: Date | undefined
}

/**
 * A secret whose value is a `SecretString`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SecretStringValue extends SecretMetadata {
  readonly kind: "string"
  readonly value: Redacted.Redacted<string>
}

/**
 * A secret whose value is a `SecretBinary`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SecretBinaryValue extends SecretMetadata {
  readonly kind: "binary"
  readonly value: Redacted.Redacted<Uint8Array>
}

/**
 * A secret version as read from the store. Narrow on `kind` to get the value's type.
 *
 * @since 0.1.0
 * @category models
 */
export type SecretValue = SecretStringValue | SecretBinaryValue

/**
 * Which version of a secret to read. Without either field, the `AWSCURRENT` version is read.
 *
 * @since 0.1.0
 * @category models
 */
export interface VersionSelector {
  readonly versionStage?: string | undefined
  readonly versionId?: string | undefined
}

/**
 * One read a store is asked to make.
 *
 * @since 0.1.0
 * @category models
 */
export interface SecretRequest extends VersionSelector {
  readonly secretId: string
}
