/**
 * C) Cold stampede: 10,000 concurrent gets of a key nobody has read yet, against floors that do the same fan-out
 * with no cache and no store.
 */
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets"
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager"
import { AwsSecretStore } from "@effect-secrets/aws"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { Deferred, Duration, Effect, Either, Layer, ManagedRuntime } from "effect"
import { makeClient, sdkWarnings } from "./aws.js"
import { hitOptions, valueOf } from "./hit.js"
import { median, now } from "./measure.js"
import { progress } from "./report.js"
import type { Stub } from "./stub.js"

export const STAMPEDE = 10_000
export const STUB_DELAY_MS = 5
export const STAMPEDE_ROUNDS = 5
const STAMPEDE_TIMEOUT_MS = 60_000

export type StampedeId = "coreSdk" | "coreMemory" | "powertools" | "floorDeferred" | "floorSleeps"

export interface StampedeResult {
  readonly id: StampedeId
  readonly label: string
  /** Wall time of each round, in milliseconds. */
  readonly wallMs: ReadonlyArray<number>
  /** Store calls per round (`undefined` for floors). */
  readonly storeCalls: ReadonlyArray<number> | undefined
  readonly failed: number
  readonly note: string
}

const elapsedMs = (start: bigint) => Number(now() - start) / 1e6

interface Round {
  readonly wallMs: number
  readonly storeCalls?: number
  readonly failed: number
  /** Whether every caller got the very same value object. */
  readonly shared?: boolean
}

/** A case whose rounds can be interleaved with other cases' rounds. */
interface Interleaved {
  readonly id: StampedeId
  readonly label: string
  readonly note: (rounds: ReadonlyArray<Round>) => string
  readonly round: (index: number) => Promise<Round>
  readonly close: () => Promise<void>
}

// Every caller asks at once, as `Effect.all` with unbounded concurrency forks them.
const stampedeOf = <A, E>(get: () => Effect.Effect<A, E>) =>
  Effect.all(Array.from({ length: STAMPEDE }, get), { concurrency: "unbounded", mode: "either" }).pipe(
    Effect.timeout(Duration.millis(STAMPEDE_TIMEOUT_MS)),
    Effect.either
  )

// One round over a service: 10,000 gets of a key no round has read before.
const serviceRound = (secrets: SecretsService.Service, key: string, calls: (key: string) => number) =>
  Effect.gen(function*() {
    const start = now()
    const outcome = yield* stampedeOf(() => secrets.get(key))
    const wallMs = elapsedMs(start)
    if (Either.isLeft(outcome)) return { wallMs, storeCalls: calls(key), failed: STAMPEDE, shared: false }
    const values = outcome.right.filter(Either.isRight).map((either) => either.right)
    return { wallMs, storeCalls: calls(key), failed: STAMPEDE - values.length, shared: new Set(values).size === 1 }
  })

const sharedNote = (rounds: ReadonlyArray<Round>) =>
  `every caller got the same value object: ${rounds.every((r) => r.shared === true) ? "yes" : "no"}`

/** `SecretsService` over `AwsSecretStore` on the real SDK client, against the stub. */
const coreSdk = async (stub: Stub): Promise<Interleaved> => {
  const client = makeClient(stub.endpoint)
  // Warm the client (credentials, endpoint, middleware, first socket) on another key: only the stampede is timed.
  await client.send(new GetSecretValueCommand({ SecretId: "warm-up-core" }))
  const runtime = ManagedRuntime.make(
    SecretsService.layer(hitOptions).pipe(Layer.provide(AwsSecretStore.layer({ client, retry: { maxAttempts: 1 } })))
  )
  const secrets = await runtime.runPromise(SecretsService)
  return {
    id: "coreSdk",
    label: "`@effect-secrets/core` `secrets.get(key)` over `AwsSecretStore` + AWS SDK v3 → loopback stub",
    note: sharedNote,
    round: (i) => runtime.runPromise(serviceRound(secrets, `cold-sdk-${i}`, stub.requests)),
    close: async () => {
      await runtime.dispose()
      client.destroy()
    }
  }
}

/** `SecretsService` over a store that answers after the same delay with no HTTP: the library's own cost. */
const coreMemory = async (): Promise<Interleaved> => {
  const calls = new Map<string, number>()
  const store = Layer.succeed(
    SecretStore,
    SecretStore.of({
      fetch: (request) =>
        Effect.suspend(() => {
          calls.set(request.secretId, (calls.get(request.secretId) ?? 0) + 1)
          return Effect.as(Effect.sleep(Duration.millis(STUB_DELAY_MS)), valueOf(request.secretId))
        })
    })
  )
  const runtime = ManagedRuntime.make(SecretsService.layer(hitOptions).pipe(Layer.provide(store)))
  const secrets = await runtime.runPromise(SecretsService)
  return {
    id: "coreMemory",
    label: `\`@effect-secrets/core\` \`secrets.get(key)\` over an in-memory store that sleeps ${STUB_DELAY_MS} ms`,
    note: (rounds) => `no HTTP: the library's own cost against the floor; ${sharedNote(rounds)}`,
    round: (i) => runtime.runPromise(serviceRound(secrets, `cold-memory-${i}`, (key) => calls.get(key) ?? 0)),
    close: () => runtime.dispose()
  }
}

// The new floor: what any deduplicating cache must at least do. 10,000 fibers wait on one Deferred that one fiber
// completes after the store's delay; no cache, no store. The clock starts before the completing fiber is forked, as
// the service's starts before the first get starts its load.
const floorDeferred: Interleaved = {
  id: "floorDeferred",
  label: `floor: \`Effect.all\` of ${STAMPEDE.toLocaleString("en-US")} \`Deferred.await(d)\`, unbounded; \`d\` ` +
    `completed by a forked fiber after \`Effect.sleep(${STUB_DELAY_MS} ms)\``,
  note: () => "one wait shared by every fiber, no cache, no store: the goal's denominator",
  round: () =>
    Effect.runPromise(Effect.gen(function*() {
      const start = now()
      const done = yield* Deferred.make<number>()
      yield* Effect.fork(Effect.zipRight(Effect.sleep(Duration.millis(STUB_DELAY_MS)), Deferred.succeed(done, 1)))
      yield* Effect.all(Array.from({ length: STAMPEDE }, () => Deferred.await(done)), { concurrency: "unbounded" })
      return { wallMs: elapsedMs(start), failed: 0 }
    })),
  close: () => Promise.resolve()
}

// The previous floor, kept for comparison: every fiber sleeps on its own timer instead of sharing one wait.
const floorSleeps: Interleaved = {
  id: "floorSleeps",
  label: `old floor: \`Effect.all\` of ${STAMPEDE.toLocaleString("en-US")} \`Effect.sleep(${STUB_DELAY_MS} ms)\`, ` +
    "unbounded",
  note: () => "10,000 timers instead of one shared wait: kept from earlier reports",
  round: async () => {
    const start = now()
    await Effect.runPromise(
      Effect.all(Array.from({ length: STAMPEDE }, () => Effect.sleep(Duration.millis(STUB_DELAY_MS))), {
        concurrency: "unbounded",
        mode: "either"
      })
    )
    return { wallMs: elapsedMs(start), failed: 0 }
  },
  close: () => Promise.resolve()
}

const powertools = async (stub: Stub): Promise<StampedeResult> => {
  progress(`Powertools: ${STAMPEDE} concurrent gets of one cold key`)
  const client = makeClient(stub.endpoint)
  const provider = new SecretsProvider({ awsSdkV3Client: client })
  await client.send(new GetSecretValueCommand({ SecretId: "warm-up-powertools" }))
  const label = "Powertools `provider.get(\"cold-powertools\")` (`Promise.allSettled`), one round"
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STAMPEDE_TIMEOUT_MS)
  })
  const warningsBefore = sdkWarnings.count
  const start = now()
  const all = Promise.allSettled(Array.from({ length: STAMPEDE }, () => provider.get("cold-powertools")))
  const outcome = await Promise.race([all, deadline])
  const wallMs = [elapsedMs(start)]
  clearTimeout(timer)
  const storeCalls = [stub.requests("cold-powertools")]
  if (outcome === "timeout") {
    // The stub is closed right after this; the requests still queued then fail fast with a refused connection.
    all.then(() => client.destroy(), () => client.destroy())
    return {
      id: "powertools",
      label,
      wallMs,
      storeCalls,
      failed: STAMPEDE,
      note: `aborted after ${STAMPEDE_TIMEOUT_MS / 1000} s`
    }
  }
  client.destroy()
  const rejected = outcome.filter((result) => result.status === "rejected")
  const firstError = rejected[0]
  const warnings = sdkWarnings.count - warningsBefore
  return {
    id: "powertools",
    label,
    wallMs,
    storeCalls,
    failed: rejected.length,
    note: [
      "no deduplication: one SDK call per caller, queued on the SDK's 50 keep-alive sockets",
      warnings > 0 ? `${warnings} SDK socket-capacity warning(s)` : "",
      firstError !== undefined && firstError.status === "rejected"
        ? `first error: ${firstError.reason instanceof Error ? firstError.reason.name : "unknown"}`
        : ""
    ].filter((part) => part !== "").join("; ")
  }
}

/**
 * Every stampede case, with the stub answering after `STUB_DELAY_MS`. The rounds of the service and floor cases are
 * interleaved (round 1 of each, then round 2, ...), so a change in the machine's load weighs on all of them alike.
 */
export const stampedes = async (stub: Stub): Promise<ReadonlyArray<StampedeResult>> => {
  stub.setDelay(STUB_DELAY_MS)
  const cases: Array<Interleaved> = []
  try {
    cases.push(await coreSdk(stub), await coreMemory(), floorDeferred, floorSleeps)
    const rounds = new Map<StampedeId, Array<Round>>(cases.map((c) => [c.id, []]))
    for (let i = 0; i < STAMPEDE_ROUNDS; i++) {
      progress(`stampede round ${i + 1} of ${STAMPEDE_ROUNDS}: ${STAMPEDE} concurrent gets per case`)
      for (const c of cases) rounds.get(c.id)!.push(await c.round(i))
    }
    const results: Array<StampedeResult> = cases.map((c) => {
      const r = rounds.get(c.id)!
      return {
        id: c.id,
        label: c.label,
        wallMs: r.map((x) => x.wallMs),
        storeCalls: r[0]?.storeCalls === undefined ? undefined : r.map((x) => x.storeCalls ?? 0),
        failed: r.reduce((sum, x) => sum + x.failed, 0),
        note: c.note(r)
      }
    })
    results.push(await powertools(stub))
    return results
  } finally {
    for (const c of cases) await c.close()
    stub.setDelay(0)
  }
}

export const medianWall = (result: StampedeResult): number => median(result.wallMs)
