/**
 * `@effect-secrets/core`: a rotation-aware, deduplicated, leak-proof cache of AWS Secrets Manager secrets for Effect
 * programs. Everything a user needs is exported by name; each module is also importable on its own
 * (`@effect-secrets/core/SecretsService`).
 *
 * @since 0.1.0
 */
export {
  /** @since 0.1.0 */
  InvalidSecretId,
  /** @since 0.1.0 */
  isSecretsError,
  /** @since 0.1.0 */
  isTransient,
  /** @since 0.1.0 */
  SecretAccessDenied,
  /** @since 0.1.0 */
  SecretDecodeError,
  /** @since 0.1.0 */
  SecretNotFound,
  /** @since 0.1.0 */
  SecretRequestRejected,
  /** @since 0.1.0 */
  type SecretsError,
  /** @since 0.2.0 */
  SecretsMisconfigured,
  /** @since 0.1.0 */
  type SecretStoreError,
  /** @since 0.1.0 */
  SecretsUnavailable,
  /** @since 0.1.0 */
  type UnavailableReason
} from "./SecretsError.js"

export {
  /** @since 0.1.0 */
  InvalidSecretsOptions,
  /** @since 0.1.0 */
  type ResolvedSecretsOptions,
  /** @since 0.1.0 */
  SecretsOptions
} from "./SecretsOptions.js"

export {
  /** @since 0.1.0 */
  SecretsService,
  /** @since 0.1.0 */
  type SecretsStats,
  /** @since 0.1.0 */
  type WithSecretOptions
} from "./SecretsService.js"

/**
 * A `ConfigProvider` that reads `Config` from secrets, through the cache.
 *
 * @since 0.1.0
 */
export * as SecretsConfigProvider from "./SecretsConfigProvider.js"

/**
 * The service's Effect Metrics: names, units and attributes.
 *
 * @since 0.1.0
 */
export * as SecretsMetrics from "./SecretsMetrics.js"

/**
 * Predicates for `withSecret`'s `isAuthFailure`: PostgreSQL and MySQL login failures.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"

export {
  /** @since 0.1.0 */
  SecretStore
} from "./SecretStore.js"

export type {
  /** @since 0.1.0 */
  SecretBinaryValue,
  /** @since 0.1.0 */
  SecretMetadata,
  /** @since 0.1.0 */
  SecretRequest,
  /** @since 0.1.0 */
  SecretStringValue,
  /** @since 0.1.0 */
  SecretValue,
  /** @since 0.1.0 */
  VersionSelector
} from "./SecretValue.js"

export {
  /** @since 0.1.0 */
  type TestFailure,
  /** @since 0.1.0 */
  TestSecretStore
} from "./TestSecretStore.js"
