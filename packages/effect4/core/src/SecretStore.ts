/**
 * The port the cache loads secrets through. `TestSecretStore` implements it in memory; the AWS store implements it
 * over the AWS SDK.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type { SecretStoreError } from "./SecretsError.js"
import type { SecretRequest, SecretValue } from "./SecretValue.js"

/**
 * A source of secrets.
 *
 * @since 0.1.0
 * @category tags
 */
export class SecretStore
  extends Context.Service<SecretStore, SecretStore.Service>()("@effect-secrets/core/SecretStore")
{}

/**
 * @since 0.1.0
 */
export declare namespace SecretStore {
  /**
   * The service makes exactly one `fetch` per cache load: retrying throttled or failed calls, timeouts and mapping
   * the backend's errors to `SecretStoreError` are the store's business. A store must never put any part of a secret
   * value into an error.
   *
   * @since 0.1.0
   * @category models
   */
  export interface Service {
    readonly fetch: (request: SecretRequest) => Effect.Effect<SecretValue, SecretStoreError>
    /**
     * Optional: reads the current (`AWSCURRENT`) versions of up to `batchSize` secrets in one call (Secrets Manager's
     * `BatchGetSecretValue`). The result has one entry per requested id, keyed by the id exactly as requested, whose
     * value's `secretId` is that id; a secret that fails (not found, denied) fails alone. An id left out, or answered
     * with another secret's value, is read alone with `fetch` (never taken as not found). The whole call fails only
     * when the batch itself does (throttled, not permitted, ...): with `SecretAccessDenied` the service falls back to
     * single fetches. A call must end within what one `fetch` may take at most: readers wait on it.
     */
    readonly fetchBatch?: (
      secretIds: ReadonlyArray<string>
    ) => Effect.Effect<ReadonlyMap<string, Exit.Exit<SecretValue, SecretStoreError>>, SecretStoreError>
    /** How many ids one `fetchBatch` call takes at most (20 for Secrets Manager). */
    readonly batchSize?: number
  }
}
