// The stores' options are checked once, in one place, before anything is built: a defect naming the option from
// `layer`, a ConfigError naming the variable from `config` and `layerConfig`.
import { AgentSecretStore, AwsSecrets, AwsSecretStore } from "@effect-secrets/aws"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Effect, Exit, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"

type Options = AwsSecretStore.AwsSecretStoreOptions

const invalid: ReadonlyArray<readonly [string, Options, string]> = [
  ["a timeout of 0", { timeout: 0 }, "timeout"],
  ["a timeout of NaN", { timeout: NaN }, "timeout"],
  ["a negative timeout", { timeout: -1000 }, "timeout"],
  ["\"-5 seconds\"", { timeout: "-5 seconds" as never }, "timeout"],
  ["an infinite timeout", { timeout: Infinity }, "timeout"],
  ["\"5 sec\", which is not a duration", { timeout: "5 sec" as never }, "timeout"],
  ["maxAttempts 0", { retry: { maxAttempts: 0 } }, "retry.maxAttempts"],
  ["maxAttempts 1.5", { retry: { maxAttempts: 1.5 } }, "retry.maxAttempts"],
  ["maxAttempts NaN", { retry: { maxAttempts: NaN } }, "retry.maxAttempts"],
  ["maxAttempts Infinity", { retry: { maxAttempts: Infinity } }, "retry.maxAttempts"],
  ["retry.base NaN", { retry: { base: NaN } }, "retry.base"],
  ["retry.base 0", { retry: { base: 0 } }, "retry.base"],
  ["retry.max below retry.base", { retry: { base: "1 second", max: "10 millis" } }, "retry.max"],
  ["an infinite retry.max", { retry: { max: Infinity } }, "retry.max"],
  ["a negative retry.budget", { retry: { budget: -1 } }, "retry.budget"],
  ["retry.budget NaN", { retry: { budget: NaN } }, "retry.budget"]
]

// The typed failures and the defects of an exit (its cause is a flat list of reasons in Effect 4).
const failuresOf = <E>(exit: Exit.Exit<unknown, E>): Array<E> =>
  Exit.isFailure(exit) ? exit.cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error) : []

const defect = <E>(exit: Exit.Exit<unknown, E>) => {
  assert.isTrue(Exit.isFailure(exit), "the layer was refused")
  const defects = Exit.isFailure(exit)
    ? exit.cause.reasons.filter(Cause.isDieReason).map((reason) => reason.defect)
    : []
  assert.strictEqual(defects.length, 1, String(exit))
  return defects[0] as AwsSecretStore.InvalidStoreOptions
}

describe("AwsSecretStore options are validated", () => {
  for (const [label, options, option] of invalid) {
    it.effect(`${label}: the layer dies with InvalidStoreOptions naming ${option}`, () =>
      Effect.gen(function*() {
        const error = defect(yield* Effect.exit(Layer.build(AwsSecretStore.layer(options))))
        assert.strictEqual(error._tag, "InvalidStoreOptions")
        assert.strictEqual(error.option, option)
        assert.match(error.message, new RegExp(`^Invalid AwsSecretStore option ${option.replace(".", "\\.")}: `))
        assert.notInclude(error.message, "Invalid DurationInput")
      }).pipe(Effect.scoped))
  }

  it.effect("valid options are accepted: durations as text, a budget of 0, one attempt", () =>
    Effect.gen(function*() {
      for (
        const options of [
          { timeout: "5 seconds", retry: { maxAttempts: 1, base: "10 millis", max: "10 millis", budget: 0 } },
          { timeout: 250, retry: { maxAttempts: 7, base: [0, 500], max: "1 minute", budget: "30 seconds" } }
        ] satisfies ReadonlyArray<Options>
      ) {
        assert.isTrue(Exit.isSuccess(yield* Effect.exit(Layer.build(AwsSecretStore.layer(options)))))
        assert.isTrue(Exit.isSuccess(yield* Effect.exit(Layer.build(AgentSecretStore.layerFetch(options)))))
      }
    }).pipe(Effect.scoped))

  it.effect("AgentSecretStore refuses the same options, and an endpoint that is not an http(s) URL", () =>
    Effect.gen(function*() {
      for (const [, options, option] of invalid) {
        const error = defect(yield* Effect.exit(Layer.build(AgentSecretStore.layerFetch(options))))
        assert.strictEqual(error.option, option)
        assert.strictEqual(error.store, "AgentSecretStore")
      }
      for (const endpoint of ["agent.internal:2773", "not a url", "ftp://agent.internal:2773"]) {
        const error = defect(yield* Effect.exit(Layer.build(AgentSecretStore.layerFetch({ endpoint }))))
        assert.strictEqual(error.option, "endpoint")
        assert.notInclude(error.message, endpoint)
      }
    }).pipe(Effect.scoped))
})

describe("options from Config name the variable", () => {
  const fromEnvironment = (variables: Record<string, string>) =>
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown(variables))

  const cases: ReadonlyArray<readonly [Record<string, string>, string]> = [
    [{ SECRETS_STORE_TIMEOUT: "0 seconds" }, "SECRETS_STORE_TIMEOUT"],
    [{ SECRETS_STORE_TIMEOUT: "5 sec" }, "SECRETS_STORE_TIMEOUT"],
    [{ SECRETS_STORE_MAX_ATTEMPTS: "0" }, "SECRETS_STORE_MAX_ATTEMPTS"],
    [{ SECRETS_STORE_RETRY_BASE: "0 millis" }, "SECRETS_STORE_RETRY_BASE"],
    [{ SECRETS_STORE_RETRY_MAX: "1 millis" }, "SECRETS_STORE_RETRY_MAX"],
    [{ SECRETS_STORE_RETRY_BUDGET: "-1 seconds" }, "SECRETS_STORE_RETRY_BUDGET"]
  ]

  for (const [variables, name] of cases) {
    it.effect(`${JSON.stringify(variables)}: layerConfig fails with a ConfigError naming ${name}`, () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Layer.build(AwsSecretStore.layerConfig()).pipe(fromEnvironment(variables)))
        assert.isTrue(Exit.isFailure(exit))
        const failures = failuresOf(exit)
        assert.strictEqual(failures.length, 1, "a ConfigError, not a defect")
        assert.include(String(failures[0]), name)
        const agent = yield* Effect.flip(AgentSecretStore.config.pipe(fromEnvironment(variables)))
        assert.include(String(agent), name)
      }).pipe(Effect.scoped))
  }

  it.effect("SECRETS_AGENT_ENDPOINT that is not a URL is named", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        AgentSecretStore.config.pipe(fromEnvironment({ SECRETS_AGENT_ENDPOINT: "localhost:2773" }))
      )
      assert.include(String(error), "SECRETS_AGENT_ENDPOINT")
    }))

  it.effect("a Config of the caller's own: a ConfigError naming the option, not a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Layer.build(AwsSecretStore.layerConfig(Config.succeed({ retry: { base: NaN } })))
      )
      const failures = failuresOf(exit)
      assert.strictEqual(failures.length, 1)
      assert.include(String(failures[0]), "retry.base")
      const combined = yield* Effect.exit(
        Layer.build(AwsSecrets.layerConfig(Config.succeed({ timeout: "5 sec" as never })))
      )
      const combinedFailures = failuresOf(combined)
      assert.strictEqual(combinedFailures.length, 1, "AwsSecrets.layerConfig too")
      assert.include(String(combinedFailures[0]), "timeout")
      const agentExit = yield* Effect.exit(
        Layer.build(
          AgentSecretStore.layerConfig(Config.succeed({ timeout: 0 })).pipe(Layer.provide(FetchHttpClient.layer))
        )
      )
      const agentFailures = failuresOf(agentExit)
      assert.strictEqual(agentFailures.length, 1)
      assert.include(String(agentFailures[0]), "timeout")
    }).pipe(Effect.scoped))
})
