/**
 * `@effect-secrets/local`: a local AWS Secrets Manager endpoint (the JSON 1.1 wire protocol on 127.0.0.1) for tests,
 * demos and development without an AWS account, with fault injection. Each module is also importable on its own
 * (`@effect-secrets/local/LocalSecretsManager`).
 *
 * @since 0.1.0
 */
export {
  /** @since 0.1.0 */
  LocalSecretsManager
} from "./LocalSecretsManager.js"

export {
  /** @since 0.1.0 */
  SecretsManagerError
} from "./SecretsManagerError.js"

/**
 * @since 0.1.0
 */
export * as TestIo from "./TestIo.js"
