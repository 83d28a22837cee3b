/**
 * `@effect-secrets/policy`: the rules of the effect-secrets cache, free of any runtime. Both lines of
 * `@effect-secrets/core` (Effect 3 and Effect 4) carry them out, so they cannot behave differently.
 *
 * @since 0.2.0
 */

/**
 * How the AWS stores classify errors into the core's: AWS error names, then HTTP statuses.
 *
 * @since 0.2.0
 */
export * as AwsErrors from "./AwsErrors.js"

/**
 * The cache's rules: reads, loads, commits, eviction, prefetch and forced refreshes.
 *
 * @since 0.2.0
 */
export * as CachePolicy from "./CachePolicy.js"

/**
 * `withSecret`'s search for the credential that works now.
 *
 * @since 0.2.0
 */
export * as RotationSearch from "./RotationSearch.js"

/**
 * Which reads Secrets Manager accepts, and their cache keys.
 *
 * @since 0.2.0
 */
export * as SecretRequest from "./SecretRequest.js"
