/**
 * `pnpm bench`: the hit path and a cold stampede of `@effect-secrets/core`, side by side with Powertools'
 * `SecretsProvider` and with bare Effect / JavaScript floors, in one process. Prints a markdown report on stdout
 * (progress goes to stderr).
 */
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets"
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager"
import { AwsSecretStore } from "@effect-secrets/aws"
import type { SecretValue } from "@effect-secrets/core"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { Cache, Duration, Effect, Either, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import * as os from "node:os"
import { makeClient, sdkWarnings } from "./aws.js"
import { fiberLoop, median, now, promiseLoop, settings, syncLoop } from "./measure.js"
import type { Stub } from "./stub.js"
import { secretStringOf, startStub } from "./stub.js"

const STAMPEDE = 10_000
const STUB_DELAY_MS = 5
const STAMPEDE_TIMEOUT_MS = 60_000
const count = STAMPEDE.toLocaleString("en-US")

// A bug must not leave the process hanging: this timer does not keep it alive, it only fires if something else does.
setTimeout(() => {
  console.error("bench: still running after 150 s; giving up")
  process.exit(1)
}, 150_000).unref()

const progress = (message: string) => console.error(`… ${message}`)

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

// Fresh for the whole run: a 1 hour TTL and no refresh-ahead, so every timed read is a plain hit.
const hitOptions = { timeToLive: Duration.hours(1), refreshAhead: 1 } as const

interface Row {
  readonly label: string
  readonly nsPerOp: ReadonlyArray<number>
}

// ---------------------------------------------------------------------------------------------------------------------
// A) Hit path
// ---------------------------------------------------------------------------------------------------------------------

const hitPath = async (stub: Stub) => {
  const rows: Array<Row> = []
  const notes: Array<string> = []

  progress("SecretsService.get / getString (one fiber)")
  const inMemoryStore = Layer.succeed(
    SecretStore,
    SecretStore.of({ fetch: (request) => Effect.succeed(valueOf(request.secretId)) })
  )
  const service = await Effect.runPromise(
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      yield* secrets.get("db")
      const get = yield* fiberLoop(() => secrets.get("db"))
      const getString = yield* fiberLoop(() => secrets.getString("db"))
      const stats = yield* secrets.stats
      return { get, getString, stats }
    }).pipe(Effect.provide(SecretsService.layer(hitOptions).pipe(Layer.provide(inMemoryStore))))
  )
  rows.push({ label: "`@effect-secrets/core` `yield* secrets.get(\"db\")` (one fiber)", nsPerOp: service.get })
  rows.push({
    label: "`@effect-secrets/core` `yield* secrets.getString(\"db\")` (one fiber)",
    nsPerOp: service.getString
  })
  notes.push(
    `\`SecretsService\` over an in-memory store: ${service.stats.loads} store load(s), ${service.stats.hits} hits, ` +
      `${service.stats.misses} miss(es), ${service.stats.backgroundRefreshes} background refreshes.`
  )

  progress("Powertools SecretsProvider.get (warm, default maxAge)")
  const client = makeClient(stub.endpoint)
  const provider = new SecretsProvider({ awsSdkV3Client: client })
  let mark = 0
  let requestsWhileTimed = 0
  const powertools = await promiseLoop(() => provider.get("db"), {
    // Default maxAge is 5 s: make sure the entry is cached (and fresh) before every timed round.
    beforeRound: async () => {
      await provider.get("db")
      mark = stub.requests("db")
    },
    afterRound: () => {
      requestsWhileTimed += stub.requests("db") - mark
    }
  })
  client.destroy()
  rows.push({ label: "Powertools `await provider.get(\"db\")` (warm, default maxAge 5 s)", nsPerOp: powertools })
  notes.push(
    `Powertools: ${stub.requests("db")} GetSecretValue request(s) for "db" at the stub in total (re-primed before ` +
      `each round when its 5 s maxAge had passed), ${requestsWhileTimed} during the timed rounds.`
  )

  progress("bare Effect Cache.get (one fiber)")
  const cache = await Effect.runPromise(
    Effect.gen(function*() {
      const cache = yield* Cache.make({
        capacity: 1024,
        timeToLive: Duration.hours(1),
        lookup: (secretId: string) => Effect.succeed(valueOf(secretId))
      })
      yield* cache.get("db")
      return yield* fiberLoop(() => cache.get("db"))
    })
  )
  rows.push({ label: "bare Effect `yield* cache.get(\"db\")` (`Cache.make`, capacity 1024, TTL 1 h)", nsPerOp: cache })

  progress("floors: Effect.succeed in a fiber, Map.get + hrtime in plain JS")
  const value = valueOf("db")
  const succeed = await Effect.runPromise(fiberLoop(() => Effect.succeed(value)))
  rows.push({ label: "floor: `yield* Effect.succeed(x)` (one fiber step)", nsPerOp: succeed })

  const map = new Map([["db", { value, expiresAt: Number(now()) + 3.6e12 }]])
  const plain = syncLoop((iterations) => {
    let hits = 0
    for (let i = 0; i < iterations; i++) {
      const entry = map.get("db")
      if (entry !== undefined && Number(process.hrtime.bigint()) < entry.expiresAt) hits++
    }
    return hits
  })
  rows.push({ label: "floor: `map.get(\"db\")` + `process.hrtime.bigint()` (plain JS loop)", nsPerOp: plain })
  notes.push(
    "A `secrets.get` hit is an `Effect.suspend` around one `Map.get` and one monotonic clock read that returns an " +
      "`Effect.succeed` built when the value was loaded: about two fiber steps plus the plain-JS floor."
  )

  return { rows, notes }
}

// ---------------------------------------------------------------------------------------------------------------------
// B) Cold stampede
// ---------------------------------------------------------------------------------------------------------------------

interface StampedeResult {
  readonly label: string
  readonly requests: number | undefined
  readonly wallMs: number
  readonly failed: number
  readonly note: string
}

const coreStampede = async (stub: Stub): Promise<StampedeResult> => {
  progress(`SecretsService: ${STAMPEDE} concurrent gets of one cold key`)
  const client = makeClient(stub.endpoint)
  // Warm the client (credentials, endpoint, middleware, first socket) on another key: only the stampede is timed.
  await client.send(new GetSecretValueCommand({ SecretId: "warm-up-core" }))
  const layer = SecretsService.layer(hitOptions).pipe(
    Layer.provide(AwsSecretStore.layer({ client, retry: { maxAttempts: 1 } }))
  )
  try {
    return await Effect.runPromise(
      Effect.gen(function*() {
        const secrets = yield* SecretsService
        const start = now()
        const outcome = yield* Effect.all(Array.from({ length: STAMPEDE }, () => secrets.get("cold")), {
          concurrency: "unbounded",
          mode: "either"
        }).pipe(Effect.timeout(Duration.millis(STAMPEDE_TIMEOUT_MS)), Effect.either)
        const wallMs = Number(now() - start) / 1e6
        const stats = yield* secrets.stats
        if (Either.isLeft(outcome)) {
          return {
            label: "`@effect-secrets/core` `secrets.get(\"cold\")`",
            requests: stub.requests("cold"),
            wallMs,
            failed: STAMPEDE,
            note: `timed out after ${STAMPEDE_TIMEOUT_MS / 1000} s`
          }
        }
        const values = outcome.right.filter(Either.isRight).map((either) => either.right)
        const distinct = new Set(values).size
        return {
          label: "`@effect-secrets/core` `secrets.get(\"cold\")` (`Effect.all`, unbounded)",
          requests: stub.requests("cold"),
          wallMs,
          failed: STAMPEDE - values.length,
          note: `${stats.loads} store load(s); every caller got the same value object: ${distinct === 1 ? "yes" : "no"}`
        }
      }).pipe(Effect.provide(layer))
    )
  } finally {
    client.destroy()
  }
}

// What fanning 10,000 fibers out and back in costs in Effect itself, with no cache and no store: each fiber just
// sleeps as long as the stub's delay. The wall time of the service's stampede includes this.
const effectFloorStampede = async (): Promise<StampedeResult> => {
  progress(`floor: Effect.all of ${STAMPEDE} sleeping fibers`)
  const start = now()
  await Effect.runPromise(
    Effect.all(Array.from({ length: STAMPEDE }, () => Effect.sleep(Duration.millis(STUB_DELAY_MS))), {
      concurrency: "unbounded",
      mode: "either"
    })
  )
  return {
    label: `floor: bare Effect \`Effect.all\` of ${count} \`Effect.sleep(${STUB_DELAY_MS} ms)\`, unbounded`,
    requests: undefined,
    wallMs: Number(now() - start) / 1e6,
    failed: 0,
    note: "no cache, no store, no HTTP: the cost of the fan-out alone"
  }
}

const powertoolsStampede = async (stub: Stub): Promise<StampedeResult> => {
  progress(`Powertools: ${STAMPEDE} concurrent gets of one cold key`)
  const client = makeClient(stub.endpoint)
  const provider = new SecretsProvider({ awsSdkV3Client: client })
  await client.send(new GetSecretValueCommand({ SecretId: "warm-up-powertools" }))
  const label = "Powertools `provider.get(\"cold2\")` (`Promise.allSettled`)"
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STAMPEDE_TIMEOUT_MS)
  })
  const warningsBefore = sdkWarnings.count
  const start = now()
  const all = Promise.allSettled(Array.from({ length: STAMPEDE }, () => provider.get("cold2")))
  const outcome = await Promise.race([all, deadline])
  const wallMs = Number(now() - start) / 1e6
  clearTimeout(timer)
  if (outcome === "timeout") {
    // The stub is closed right after this; the requests still queued then fail fast with a refused connection.
    all.then(() => client.destroy(), () => client.destroy())
    return {
      label,
      requests: stub.requests("cold2"),
      wallMs,
      failed: STAMPEDE,
      note: `aborted after ${STAMPEDE_TIMEOUT_MS / 1000} s`
    }
  }
  client.destroy()
  const rejected = outcome.filter((result) => result.status === "rejected")
  const firstError = rejected[0]
  const warnings = sdkWarnings.count - warningsBefore
  return {
    label,
    requests: stub.requests("cold2"),
    wallMs,
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

// ---------------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------------

const fmt = (n: number, digits = 1) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

const versions = (): string => {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    readonly dependencies: Readonly<Record<string, string>>
  }
  return ["effect", "@aws-lambda-powertools/parameters", "@aws-sdk/client-secrets-manager"]
    .map((name) => `${name} ${manifest.dependencies[name] ?? "?"}`)
    .join(", ")
}

const main = async () => {
  const cpus = os.cpus()
  const lines: Array<string> = [
    "## Benchmark: `@effect-secrets/core` vs Powertools `SecretsProvider`",
    "",
    `- Machine: ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${os.platform()} ${os.arch()}, ` +
    `Node ${process.version}`,
    `- Packages: ${versions()}`,
    `- Hit path: ${settings.warmup.toLocaleString("en-US")} warm-up operations, then ${settings.rounds} rounds of ` +
    `${settings.iterations.toLocaleString("en-US")}; median ns/op (min–max over the rounds). All in one process.`,
    ""
  ]
  process.stdout.write(lines.join("\n") + "\n")

  const stub = await startStub()
  try {
    const hit = await hitPath(stub)
    const reference = median(hit.rows[0]!.nsPerOp)
    const hitTable = [
      "### A) Hit path: warm cache, fresh entry (ns/op, lower is better)",
      "",
      "| Case | median ns/op | min–max | vs `secrets.get` |",
      "| --- | ---: | ---: | ---: |",
      ...hit.rows.map((row) => {
        const m = median(row.nsPerOp)
        return `| ${row.label} | ${fmt(m)} | ${fmt(Math.min(...row.nsPerOp))}–${fmt(Math.max(...row.nsPerOp))} | ` +
          `${fmt(m / reference, 2)}× |`
      }),
      "",
      ...hit.notes.map((note) => `- ${note}`),
      ""
    ]
    process.stdout.write(hitTable.join("\n") + "\n")

    stub.setDelay(STUB_DELAY_MS)
    const core = await coreStampede(stub)
    const powertools = await powertoolsStampede(stub)
    const floor = await effectFloorStampede()
    const stampedeTable = [
      `### B) Cold stampede: ${STAMPEDE.toLocaleString("en-US")} concurrent gets of one uncached key`,
      "",
      `Real AWS SDK v3 client against a loopback Secrets Manager stub that answers each GetSecretValue after ` +
      `${STUB_DELAY_MS} ms.`,
      "",
      "| Case | concurrent gets | GetSecretValue requests at the stub | wall time (ms) | failed gets | notes |",
      "| --- | ---: | ---: | ---: | ---: | --- |",
      ...[core, powertools, floor].map((r) =>
        `| ${r.label} | ${STAMPEDE.toLocaleString("en-US")} | ${r.requests?.toLocaleString("en-US") ?? "—"} | ` +
        `${fmt(r.wallMs)} | ${r.failed.toLocaleString("en-US")} | ${r.note} |`
      ),
      ""
    ]
    process.stdout.write(stampedeTable.join("\n") + "\n")
  } finally {
    await stub.close()
  }
}

main().catch((error: unknown) => {
  console.error("bench failed:", error)
  process.exitCode = 1
})
