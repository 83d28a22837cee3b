/**
 * The Effect 4 line's half of `pnpm bench`: the hit path and the cold stampede of `@effect-secrets/core` 1.x, side by
 * side with Powertools' `SecretsProvider` and Effect 4 floors, in this one process. The root bench
 * (packages/bench) runs it on Node >= 22 and prints its figures next to the Effect 3 line's; here it prints JSON on
 * stdout (progress on stderr). The loopback stub, the SDK client and the report helpers are the Effect 3 bench's own
 * runtime-free modules, so both lines are measured against the same stub.
 */
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets"
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager"
import { AwsSecretStore } from "@effect-secrets/aws"
import type { SecretValue } from "@effect-secrets/core"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { Deferred, Duration, Effect, Layer, ManagedRuntime, Redacted, Result, Schema } from "effect"
import { readFileSync } from "node:fs"
import { makeClient } from "../../../bench/src/aws.js"
import { progress } from "../../../bench/src/report.js"
import type { Stub } from "../../../bench/src/stub.js"
import { secretStringOf, startStub } from "../../../bench/src/stub.js"

const envInt = (name: string, fallback: number): number => {
  const parsed = Number(process.env[name])
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : fallback
}
const settings = {
  rounds: envInt("BENCH_ROUNDS", 5),
  iterations: envInt("BENCH_ITERATIONS", 500_000),
  warmup: envInt("BENCH_WARMUP", 200_000)
}
const STAMPEDE = 10_000
const STUB_DELAY_MS = 5
const STAMPEDE_ROUNDS = 5

// A bug must not leave the process hanging: this timer only fires if something else keeps it alive.
setTimeout(() => {
  console.error("bench (Effect 4): still running after 600 s; giving up")
  process.exit(1)
}, 600_000).unref()

const blackhole: { value: unknown } = { value: undefined }
const now = () => process.hrtime.bigint()

interface Sizes {
  readonly rounds: number
  readonly iterations: number
  readonly warmup: number
}
const scaled = (factor: number): Sizes => ({
  rounds: settings.rounds,
  iterations: Math.max(1_000, Math.round(settings.iterations * factor)),
  warmup: Math.max(1_000, Math.round(settings.warmup * factor))
})

// One `yield*` per operation in one fiber, as user code reads a secret.
const fiberLoop = <A, E, R>(op: () => Effect.Effect<A, E, R>, sizes: Sizes) =>
  Effect.gen(function*() {
    for (let i = 0; i < sizes.warmup; i++) blackhole.value = yield* op()
    const results: Array<number> = []
    for (let round = 0; round < sizes.rounds; round++) {
      const start = now()
      for (let i = 0; i < sizes.iterations; i++) blackhole.value = yield* op()
      results.push(Number(now() - start) / sizes.iterations)
    }
    return results
  })

const promiseLoop = async <A>(op: () => Promise<A>, before: () => Promise<void>, sizes: Sizes) => {
  await before()
  for (let i = 0; i < sizes.warmup; i++) blackhole.value = await op()
  const results: Array<number> = []
  for (let round = 0; round < sizes.rounds; round++) {
    await before()
    const start = now()
    for (let i = 0; i < sizes.iterations; i++) blackhole.value = await op()
    results.push(Number(now() - start) / sizes.iterations)
  }
  return results
}

const valueOf = (secretId: string): SecretValue => ({
  secretId,
  name: secretId,
  arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`,
  versionId: "7f4e2d1c-0000-4000-8000-000000000001",
  versionStages: ["AWSCURRENT"],
  createdDate: new Date(1.7e12),
  kind: "string",
  value: Redacted.make(secretStringOf(secretId))
})

// Fresh for the whole run, as in the Effect 3 bench: every timed read is a plain hit.
const hitOptions = { timeToLive: Duration.hours(1), refreshAhead: 1 } as const
const Credentials = Schema.Struct({ user: Schema.String, password: Schema.RedactedFromValue(Schema.String) })

export interface Figure {
  readonly label: string
  readonly values: ReadonlyArray<number>
}

const hit = async (stub: Stub): Promise<Record<string, Figure>> => {
  const store = Layer.succeed(SecretStore, { fetch: (request) => Effect.succeed(valueOf(request.secretId)) })
  const runtime = ManagedRuntime.make(SecretsService.layer(hitOptions).pipe(Layer.provide(store)))
  const secrets = await runtime.runPromise(Effect.service(SecretsService))
  await runtime.runPromise(secrets.get("db"))
  const client = makeClient(stub.endpoint)
  const provider = new SecretsProvider({ awsSdkV3Client: client })
  const value = valueOf("db")
  const map = new Map([["db", { value, expiresAt: Number(now()) + 3.6e12 }]])
  const read = secrets.getString("db")
  const cases: Array<[string, string, Sizes, (sizes: Sizes) => Promise<ReadonlyArray<number>>]> = [
    [
      "getStringFresh",
      "`yield* secrets.getString(\"db\")`, built each iteration",
      settings,
      (s) => runtime.runPromise(fiberLoop(() => secrets.getString("db"), s))
    ],
    ["getStringBuiltOnce", "`yield* read`, built once", settings, (s) => runtime.runPromise(fiberLoop(() => read, s))],
    ["get", "`yield* secrets.get(\"db\")`", settings, (s) => runtime.runPromise(fiberLoop(() => secrets.get("db"), s))],
    [
      "getJson",
      "`yield* secrets.getJson(\"db\", Credentials)`",
      settings,
      (s) => runtime.runPromise(fiberLoop(() => secrets.getJson("db", Credentials), s))
    ],
    [
      "powertools",
      "Powertools `await provider.get(\"db\")` (warm)",
      scaled(1 / 5),
      (s) => promiseLoop(() => provider.get("db"), async () => void (await provider.get("db")), s)
    ],
    [
      "floorSucceed",
      "floor: `yield* Effect.succeed(x)`",
      settings,
      (s) => Effect.runPromise(fiberLoop(() => Effect.succeed(value), s))
    ],
    ["floorMap", "floor: `map.get(\"db\")` + `process.hrtime.bigint()`", settings, (s) => {
      const results: Array<number> = []
      for (let round = 0; round < s.rounds + 1; round++) {
        const iterations = round === 0 ? s.warmup : s.iterations
        const start = now()
        let hits = 0
        for (let i = 0; i < iterations; i++) {
          const entry = map.get("db")
          if (entry !== undefined && Number(process.hrtime.bigint()) < entry.expiresAt) hits++
        }
        blackhole.value = hits
        if (round > 0) results.push(Number(now() - start) / iterations)
      }
      return Promise.resolve(results)
    }]
  ]
  const figures: Record<string, Figure> = {}
  for (const [id, label, sizes, run] of cases) {
    progress(`Effect 4 hit path: warm-up of ${id}`)
    await run({ ...sizes, rounds: 0 })
    figures[id] = { label, values: [] }
  }
  // Rounds interleaved across cases, as in the Effect 3 bench.
  for (let round = 0; round < settings.rounds; round++) {
    progress(`Effect 4 hit path: round ${round + 1} of ${settings.rounds}`)
    for (const [id, , sizes, run] of cases) {
      ;(figures[id]!.values as Array<number>).push(...(await run({ ...sizes, rounds: 1, warmup: 0 })))
    }
  }
  client.destroy()
  await runtime.dispose()
  return figures
}

// 10,000 gets of a key nobody read yet; the wall time of each round in ms, and the store calls it made.
const stampedeRound = (secrets: SecretsService["Service"], key: string) =>
  Effect.gen(function*() {
    const start = now()
    const results = yield* Effect.all(Array.from({ length: STAMPEDE }, () => Effect.result(secrets.get(key))), {
      concurrency: "unbounded"
    })
    const wallMs = Number(now() - start) / 1e6
    return { wallMs, failed: results.filter(Result.isFailure).length }
  })

export interface StampedeFigure {
  readonly label: string
  readonly wallMs: ReadonlyArray<number>
  readonly storeCalls: ReadonlyArray<number>
  readonly failed: number
}

const stampede = async (stub: Stub): Promise<Record<string, StampedeFigure>> => {
  stub.setDelay(STUB_DELAY_MS)
  const calls = new Map<string, number>()
  const memoryStore = Layer.succeed(SecretStore, {
    fetch: (request) =>
      Effect.suspend(() => {
        calls.set(request.secretId, (calls.get(request.secretId) ?? 0) + 1)
        return Effect.as(Effect.sleep(Duration.millis(STUB_DELAY_MS)), valueOf(request.secretId))
      })
  })
  const memory = ManagedRuntime.make(SecretsService.layer(hitOptions).pipe(Layer.provide(memoryStore)))
  const client = makeClient(stub.endpoint)
  await client.send(new GetSecretValueCommand({ SecretId: "warm-up-core4" }))
  const sdk = ManagedRuntime.make(
    SecretsService.layer(hitOptions).pipe(Layer.provide(AwsSecretStore.layer({ client, retry: { maxAttempts: 1 } })))
  )
  const memorySecrets = await memory.runPromise(Effect.service(SecretsService))
  const sdkSecrets = await sdk.runPromise(Effect.service(SecretsService))
  const figures: Record<string, StampedeFigure> = {
    coreMemory: {
      label: `\`secrets.get(key)\` over an in-memory store that sleeps ${STUB_DELAY_MS} ms`,
      wallMs: [],
      storeCalls: [],
      failed: 0
    },
    coreSdk: {
      label: "`secrets.get(key)` over `AwsSecretStore` + AWS SDK v3 → loopback stub",
      wallMs: [],
      storeCalls: [],
      failed: 0
    },
    floorDeferred: {
      label: `floor: ${
        STAMPEDE.toLocaleString("en-US")
      } \`Deferred.await(d)\`, \`d\` done after a ${STUB_DELAY_MS} ms sleep`,
      wallMs: [],
      storeCalls: [],
      failed: 0
    }
  }
  // Floors call no store: they leave `storeCalls` empty.
  const add = (id: string, round: { wallMs: number; failed: number }, storeCalls?: number) => {
    const f = figures[id]!
    figures[id] = {
      ...f,
      wallMs: [...f.wallMs, round.wallMs],
      storeCalls: storeCalls === undefined ? f.storeCalls : [...f.storeCalls, storeCalls],
      failed: f.failed + round.failed
    }
  }
  for (let i = 0; i < STAMPEDE_ROUNDS; i++) {
    progress(`Effect 4 stampede round ${i + 1} of ${STAMPEDE_ROUNDS}`)
    add("coreSdk", await sdk.runPromise(stampedeRound(sdkSecrets, `cold4-sdk-${i}`)), stub.requests(`cold4-sdk-${i}`))
    add(
      "coreMemory",
      await memory.runPromise(stampedeRound(memorySecrets, `cold4-memory-${i}`)),
      calls.get(`cold4-memory-${i}`) ?? 0
    )
    add(
      "floorDeferred",
      await Effect.runPromise(Effect.gen(function*() {
        const start = now()
        const done = yield* Deferred.make<number>()
        yield* Effect.forkChild(Effect.andThen(Effect.sleep(Duration.millis(STUB_DELAY_MS)), Deferred.succeed(done, 1)))
        yield* Effect.all(Array.from({ length: STAMPEDE }, () => Deferred.await(done)), { concurrency: "unbounded" })
        return { wallMs: Number(now() - start) / 1e6, failed: 0 }
      }))
    )
  }
  await sdk.dispose()
  await memory.dispose()
  client.destroy()
  stub.setDelay(0)
  return figures
}

const main = async () => {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    readonly dependencies: Readonly<Record<string, string>>
  }
  const only = process.env["BENCH_ONLY"]?.split(",").map((s) => s.trim()).filter((s) => s !== "") ?? []
  const wants = (section: string) => only.length === 0 || only.includes(section)
  const stub = await startStub()
  try {
    const result = {
      node: process.version,
      effect: manifest.dependencies["effect"],
      hit: wants("hit") ? await hit(stub) : undefined,
      stampede: wants("stampede") ? await stampede(stub) : undefined
    }
    process.stdout.write(JSON.stringify(result) + "\n")
  } finally {
    await stub.close()
  }
}

main().catch((error: unknown) => {
  console.error("bench (Effect 4) failed:", error)
  process.exitCode = 1
})
