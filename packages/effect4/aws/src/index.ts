/**
 * `@effect-secrets/aws`: the AWS Secrets Manager store of `@effect-secrets/core`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as AwsSecretStore from "./AwsSecretStore.js"

/**
 * @since 0.1.0
 */
export * as AwsSecrets from "./AwsSecrets.js"

/**
 * @since 0.1.0
 */
export * as AgentSecretStore from "./AgentSecretStore.js"
