/**
 * A) Hit path: a warm cache and a fresh entry, read in the ways users write it, side by side with Powertools'
 * `SecretsProvider`, bare Effect `Cache` and floors. Each case is a function, so B) can run some again under load.
 */
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets"
import type { SecretValue } from "@effect-secrets/core"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { Cache, Duration, Effect, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { makeClient } from "./aws.js"
import type { Sizes } from "./measure.js"
import { chainLoop, fiberLoop, now, promiseLoop, scaled, settings, syncLoop } from "./measure.js"
import type { Stub } from "./stub.js"
import { secretStringOf } from "./stub.js"

export const valueOf = (secretId: string): SecretValue => ({
  secretId,
  name: secretId,
  arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`,
  versionId: "7f4e2d1c-0000-4000-8000-000000000001",
  versionStages: ["AWSCURRENT"],
  createdDate: new Date(1.7e12),
  kind: "string",
  value: Redacted.make(secretStringOf(secretId))
})

// Fresh for the whole run: a 1 hour TTL and no refresh-ahead, so every timed read is a plain hit.
export const hitOptions = { timeToLive: Duration.hours(1), refreshAhead: 1 } as const

const inMemoryStore = Layer.succeed(
  SecretStore,
  SecretStore.of({ fetch: (request) => Effect.succeed(valueOf(request.secretId)) })
)

// The JSON of `secretStringOf`, the password declared sensitive.
const Credentials = Schema.Struct({ user: Schema.String, password: Schema.Redacted(Schema.String) })

/** Names of the cases; B) and the goal ratios refer to them. */
export type CaseId =
  | "getStringFresh"
  | "getStringBuiltOnce"
  | "get"
  | "getStringChain"
  | "getJson"
  | "getStringTraced"
  | "powertools"
  | "cache"
  | "floorSucceed"
  | "floorSpan"
  | "floorChain"
  | "floorMap"

export interface HitCase {
  readonly id: CaseId
  readonly label: string
  /** Loop sizes: the settings, or fewer operations for cases that cost microseconds each. */
  readonly sizes: Sizes
  /** Runs `sizes.warmup` operations, then `sizes.rounds` timed rounds: one figure (ns/op) per round. */
  readonly run: (sizes: Sizes) => Promise<ReadonlyArray<number>>
}

export interface HitBench {
  readonly cases: ReadonlyArray<HitCase>
  /** Notes computed after the cases ran (store calls during timed rounds, stats). */
  readonly notes: () => Promise<ReadonlyArray<string>>
  readonly close: () => Promise<void>
}

export const makeHitBench = async (stub: Stub): Promise<HitBench> => {
  // One service for the plain reads, one with a span per hit; both over an in-memory store, both warm.
  const plain = ManagedRuntime.make(SecretsService.layer(hitOptions).pipe(Layer.provide(inMemoryStore)))
  const traced = ManagedRuntime.make(
    SecretsService.layer({ ...hitOptions, traceHits: true }).pipe(Layer.provide(inMemoryStore))
  )
  const secrets = await plain.runPromise(SecretsService)
  const tracedSecrets = await traced.runPromise(SecretsService)
  await plain.runPromise(secrets.get("db"))
  await traced.runPromise(tracedSecrets.get("db"))

  const client = makeClient(stub.endpoint)
  const provider = new SecretsProvider({ awsSdkV3Client: client })
  let mark = 0
  let requestsWhileTimed = 0
  let powertoolsRuns = 0

  const value = valueOf("db")
  const map = new Map([["db", { value, expiresAt: Number(now()) + 3.6e12 }]])

  // A span costs microseconds: those cases run 1/25 of the operations, Cache.get and Powertools 1/5.
  const few = scaled(1 / 25)
  const some = scaled(1 / 5)
  const cases: Array<HitCase> = [
    {
      id: "getStringFresh",
      label: "`yield* secrets.getString(\"db\")`: the effect built each iteration, as users write it",
      sizes: settings,
      run: (sizes) => plain.runPromise(fiberLoop(() => secrets.getString("db"), sizes))
    },
    {
      id: "getStringBuiltOnce",
      label: "`const read = secrets.getString(\"db\")`, then `yield* read` each iteration",
      sizes: settings,
      run: (sizes) => {
        const read = secrets.getString("db")
        return plain.runPromise(fiberLoop(() => read, sizes))
      }
    },
    {
      id: "get",
      label: "`yield* secrets.get(\"db\")` (the `SecretValue`)",
      sizes: settings,
      run: (sizes) => plain.runPromise(fiberLoop(() => secrets.get("db"), sizes))
    },
    {
      id: "getStringChain",
      label: "`Effect.flatMap(secrets.getString(\"db\"), k)`, `k` returning the next read: a recursive chain, no " +
        "generator (each read runs in the fiber's run loop)",
      sizes: settings,
      run: (sizes) => plain.runPromise(chainLoop(() => secrets.getString("db"), sizes))
    },
    {
      id: "getJson",
      label: "`yield* secrets.getJson(\"db\", Credentials)`: `Schema.Struct` with a `Schema.Redacted` field, decoded " +
        "once per version and schema",
      sizes: settings,
      run: (sizes) => plain.runPromise(fiberLoop(() => secrets.getJson("db", Credentials), sizes))
    },
    {
      id: "getStringTraced",
      label: "`yield* secrets.getString(\"db\")` with `traceHits: true` (a `SecretsService.get` span per hit, " +
        "Effect's default tracer)",
      sizes: few,
      run: (sizes) => traced.runPromise(fiberLoop(() => tracedSecrets.getString("db"), sizes))
    },
    {
      id: "powertools",
      label: "Powertools `await provider.get(\"db\")` (warm, default maxAge 5 s)",
      sizes: some,
      run: (sizes) => {
        powertoolsRuns++
        return promiseLoop(() => provider.get("db"), {
          // Default maxAge is 5 s: make sure the entry is cached (and fresh) before every timed round.
          beforeRound: async () => {
            await provider.get("db")
            mark = stub.requests("db")
          },
          afterRound: () => {
            requestsWhileTimed += stub.requests("db") - mark
          }
        }, sizes)
      }
    },
    {
      id: "cache",
      label: "bare Effect `yield* cache.get(\"db\")` (`Cache.make`, capacity 1024, TTL 1 h)",
      sizes: some,
      run: (sizes) =>
        Effect.runPromise(Effect.gen(function*() {
          const cache = yield* Cache.make({
            capacity: 1024,
            timeToLive: Duration.hours(1),
            lookup: (secretId: string) => Effect.succeed(valueOf(secretId))
          })
          yield* cache.get("db")
          return yield* fiberLoop(() => cache.get("db"), sizes)
        }))
    },
    {
      id: "floorSucceed",
      label: "floor: `yield* Effect.succeed(x)` (one fiber step)",
      sizes: settings,
      run: (sizes) => Effect.runPromise(fiberLoop(() => Effect.succeed(value), sizes))
    },
    {
      id: "floorSpan",
      label: "floor: `yield* Effect.withSpan(Effect.succeed(x), \"SecretsService.get\", { attributes })` (one span " +
        "with the same two attributes, Effect's default tracer)",
      sizes: few,
      run: (sizes) =>
        Effect.runPromise(fiberLoop(() =>
          Effect.withSpan(Effect.succeed(value), "SecretsService.get", {
            attributes: { "secret.id": "db", "cache.outcome": "hit" }
          }), sizes))
    },
    {
      id: "floorChain",
      label: "floor: `Effect.flatMap(Effect.succeed(x), k)` in the same recursive chain",
      sizes: settings,
      run: (sizes) => Effect.runPromise(chainLoop(() => Effect.succeed(value), sizes))
    },
    {
      id: "floorMap",
      label: "floor: `map.get(\"db\")` + `process.hrtime.bigint()` (plain JS loop)",
      sizes: settings,
      run: (sizes) =>
        Promise.resolve(syncLoop((iterations) => {
          let hits = 0
          for (let i = 0; i < iterations; i++) {
            const entry = map.get("db")
            if (entry !== undefined && Number(process.hrtime.bigint()) < entry.expiresAt) hits++
          }
          return hits
        }, sizes))
    }
  ]

  return {
    cases,
    notes: async () => {
      const stats = await plain.runPromise(secrets.stats)
      const tracedStats = await traced.runPromise(tracedSecrets.stats)
      return [
        "Metrics are always on: every read of the service, in every row, also updates the process-wide Effect " +
        "`Metric`s of `SecretsMetrics` and the service's own `stats`; there is no switch to turn them off.",
        `The plain service: ${stats.loads} store load(s), ${stats.hits.toLocaleString("en-US")} hits, ` +
        `${stats.misses} miss(es), ${stats.backgroundRefreshes} background refreshes; the traced one: ` +
        `${tracedStats.loads} load(s), ${tracedStats.misses} miss(es).`,
        `Powertools: ${stub.requests("db")} GetSecretValue request(s) for "db" at the stub over ${powertoolsRuns} ` +
        `run(s) (re-primed before each round when its 5 s maxAge had passed), ${requestsWhileTimed} during the ` +
        "timed rounds."
      ]
    },
    close: async () => {
      client.destroy()
      await plain.dispose()
      await traced.dispose()
    }
  }
}
