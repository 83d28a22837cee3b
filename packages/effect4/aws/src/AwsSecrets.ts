/**
 * `SecretsService` over AWS Secrets Manager in one layer: the cache of `@effect-secrets/core` and the store of this
 * package, configured together.
 *
 * @since 0.1.0
 */
import { SecretsOptions, SecretsService } from "@effect-secrets/core"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as AwsSecretStore from "./AwsSecretStore.js"
import * as Retry from "./internal/retry.js"

/**
 * The cache's options and the store's, in one object.
 *
 * @since 0.1.0
 * @category models
 */
export interface AwsSecretsOptions extends SecretsOptions, AwsSecretStore.AwsSecretStoreOptions {}

/**
 * `SecretsService.layer` over `AwsSecretStore.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: AwsSecretsOptions = {}): Layer.Layer<SecretsService> =>
  SecretsService.layer(options).pipe(Layer.provide(AwsSecretStore.layer(options)))

/**
 * The cache's `SECRETS_CACHE_*` and the store's `SECRETS_STORE_*` settings together.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<AwsSecretsOptions> = Config.map(
  Config.all([SecretsOptions.config, AwsSecretStore.config]),
  ([cache, store]) => ({ ...cache, ...store })
)

/**
 * The same, configured from `Config` (by default `config`); region, credentials and endpoint come from the SDK's own
 * chain. Store options that break a rule fail with a `Config.ConfigError` naming the option.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config<AwsSecretsOptions> = config
): Layer.Layer<SecretsService, Config.ConfigError> =>
  Layer.unwrap(
    Effect.flatMap(options, (read) =>
      Result.match(AwsSecretStore.validate(read), {
        onFailure: (error) => Effect.fail(Retry.invalidConfig(error.message)),
        onSuccess: () => Effect.succeed(layer(read))
      }))
  )
