/**
 * E) Fleet: many service processes, each with its own `SecretsService` (default options), over one shared store that
 * counts API calls per simulated second, in simulated time (`simulation.ts`). Deterministic: the same parameters
 * print the same numbers.
 */
import type { SecretsStats, SecretValue } from "@effect-secrets/core"
import { SecretsOptions, SecretsService, SecretStore } from "@effect-secrets/core"
import type { Fiber } from "effect"
import { Duration, Effect, Exit, FiberId, Layer, Random, Redacted } from "effect"
import { now } from "./measure.js"
import { chart, fmt, int, print, progress, table } from "./report.js"
import { makeSimulation } from "./simulation.js"

const envNumber = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const parsed = raw === undefined ? Number.NaN : Number(raw)
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback
}

/**
 * The simulation's parameters. Re-run smaller (or larger) with e.g. `BENCH_FLEET_PROCESSES=50 BENCH_FLEET_HOURS=0.5`.
 */
export const FLEET = {
  /**
   * Service processes, each with its own `SecretsService.layer(SecretsOptions.defaults)`: 1,000, some 1.3 million loads
   * and 36 million hits per mode over 2 hours (about a minute and a half per mode on this machine).
   */
  processes: Math.round(envNumber("BENCH_FLEET_PROCESSES", 1000)),
  /** Secrets every process reads. */
  secrets: Math.round(envNumber("BENCH_FLEET_SECRETS", 50)),
  /** Simulated duration. */
  hours: envNumber("BENCH_FLEET_HOURS", 2),
  /**
   * Each process reads all its secrets once per period (a request loop). It must be shorter than the refresh-ahead
   * window of the default options (the part of a TTL after `refreshAhead`; the report checks it), so that a busy
   * process refreshes every entry ahead by a hit and steady traffic never waits on a miss. Shorter periods only add
   * hits, which cost CPU and change no API call.
   */
  trafficPeriodSeconds: envNumber("BENCH_FLEET_PERIOD_SECONDS", 10),
  /** Store latency per call, drawn uniformly in this range (milliseconds), for single and batch reads alike. */
  latencyMillis: [20, 80] as const,
  /** Ids per BatchGetSecretValue call, as in Secrets Manager. */
  batchSize: 20,
  /** Seed of the store's latency draws and of the start offsets; each process's `Random` is seeded with its index. */
  seed: 20_240_101,
  /** Processes per host, for the agent arithmetic. */
  processesPerHost: 10
} as const

/** AWS Secrets Manager quotas, per Region and account (requests per second). */
const QUOTA = { getSecretValue: 10_000, batchGetSecretValue: 100 } as const

// Seconds after its own start for which each process's calls are also counted by age, for the start-up arithmetic.
const STARTUP_SECONDS = 8

/** A small deterministic PRNG (mulberry32): the store's latencies and the start offsets. */
const prng = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

type Mode = "lazy" | "prefetch"

interface FleetRun {
  readonly mode: Mode
  readonly seconds: number
  /** GetSecretValue / BatchGetSecretValue calls per simulated second. */
  readonly get: Float64Array
  readonly batch: Float64Array
  /** Calls by age of the calling process (seconds since it started), summed over processes. */
  readonly startupGet: Float64Array
  readonly startupBatch: Float64Array
  /** When the last process finished its first sweep over its secrets: the end of the cold start. */
  readonly coldStartEndMillis: number
  readonly stats: SecretsStats
  readonly wallMillis: number
  readonly wakeUps: number
  readonly tasks: number
  readonly stopped: number
}

const valueOf = (secretId: string): SecretValue => ({
  secretId,
  name: secretId,
  arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`,
  versionId: "7f4e2d1c-0000-4000-8000-000000000001",
  versionStages: ["AWSCURRENT"],
  kind: "string",
  value: Redacted.make(JSON.stringify({ user: "fleet", password: `pw-${secretId}` }))
})

const simulate = async (mode: Mode): Promise<FleetRun> => {
  const { processes, secrets, trafficPeriodSeconds } = FLEET
  const started = now()
  const sim = makeSimulation()
  const seconds = Math.ceil(FLEET.hours * 3600)
  const horizon = seconds * 1000
  const period = trafficPeriodSeconds * 1000
  const get = new Float64Array(seconds)
  const batch = new Float64Array(seconds)
  const startupGet = new Float64Array(STARTUP_SECONDS)
  const startupBatch = new Float64Array(STARTUP_SECONDS)
  const startedAt = new Float64Array(processes)
  const firstSweepEnd = new Float64Array(processes)
  const services: Array<SecretsService.Service> = []

  const random = prng(FLEET.seed)
  const [low, high] = FLEET.latencyMillis
  const ids = Array.from({ length: secrets }, (_, i) => `fleet/secret-${String(i).padStart(3, "0")}`)
  const values = new Map(ids.map((id) => [id, valueOf(id)]))

  // One store, shared by the fleet: each process gets a view of it that also knows the caller's age.
  const count = (perSecond: Float64Array, byAge: Float64Array, p: number) => {
    const at = sim.now()
    perSecond[Math.min(seconds - 1, Math.floor(at / 1000))]!++
    const age = Math.floor((at - startedAt[p]!) / 1000)
    if (age < STARTUP_SECONDS) byAge[age]!++
  }
  const respond = <A>(answer: () => A) =>
    Effect.suspend(() => Effect.as(sim.sleepUntil(sim.now() + low + (high - low) * random()), answer()))
  const storeFor = (p: number) =>
    SecretStore.of({
      fetch: (request) =>
        Effect.suspend(() => {
          count(get, startupGet, p)
          return respond(() => values.get(request.secretId)!)
        }),
      fetchBatch: (secretIds) =>
        Effect.suspend(() => {
          count(batch, startupBatch, p)
          return respond(() => new Map(secretIds.map((id) => [id, Exit.succeed(values.get(id)!)])))
        }),
      batchSize: FLEET.batchSize
    })

  // One process: starts at its offset, builds its service (capturing the simulated clock and its own Random), then
  // runs its request loop for ever: all its secrets, one `yield*` each (a miss blocks the loop, as it would block a
  // request), once per traffic period.
  const offsets = Array.from({ length: processes }, () => random() * period)
  const serviceProcess = (p: number) =>
    Effect.zipRight(
      sim.sleepUntil(offsets[p]!),
      Effect.gen(function*() {
        startedAt[p] = sim.now()
        const secretsService = yield* SecretsService
        services[p] = secretsService
        if (mode === "prefetch") yield* secretsService.prefetch(ids)
        for (let next = offsets[p]!, first = true;; first = false) {
          for (const id of ids) yield* secretsService.getString(id)
          if (first) firstSweepEnd[p] = sim.now()
          next += period
          yield* sim.sleepUntil(next)
        }
      }).pipe(
        Effect.provide(
          SecretsService.layer(SecretsOptions.defaults).pipe(Layer.provide(Layer.succeed(SecretStore, storeFor(p))))
        )
      )
    ).pipe(Effect.withRandom(Random.make(p + 1)), Effect.withClock(sim.clock), Effect.withTracerEnabled(false))

  // Stack traces (error construction, span call sites) cost CPU and change no call: off while the fleet runs, and
  // spans are not recorded (`withTracerEnabled(false)` above).
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  const fibers: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
  try {
    for (let p = 0; p < processes; p++) fibers.push(sim.fork(serviceProcess(p)))
    // Slices of 200 ms of real time, so progress prints and the time guard can fire; slicing changes nothing else.
    let lastReport = now()
    while (!sim.run(horizon, 200)) {
      if (Number(now() - lastReport) > 10e9) {
        lastReport = now()
        progress(`fleet (${mode}): simulated ${fmt(sim.now() / 60_000, 0)} of ${fmt(seconds / 60, 0)} min`)
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }

  // Counters first, then every process is stopped (its layer closes: loads in flight are interrupted).
  const stats = services.reduce<SecretsStats>((sum, service) => {
    const s = Effect.runSync(service.stats)
    return {
      hits: sum.hits + s.hits,
      misses: sum.misses + s.misses,
      loads: sum.loads + s.loads,
      loadFailures: sum.loadFailures + s.loadFailures,
      staleReads: sum.staleReads + s.staleReads,
      backgroundRefreshes: sum.backgroundRefreshes + s.backgroundRefreshes,
      evictions: sum.evictions + s.evictions,
      size: sum.size + s.size
    }
  }, { hits: 0, misses: 0, loads: 0, loadFailures: 0, staleReads: 0, backgroundRefreshes: 0, evictions: 0, size: 0 })
  for (const fiber of fibers) fiber.unsafeInterruptAsFork(FiberId.none)
  sim.drain()
  const { tasks, wakeUps } = sim.counters()
  return {
    mode,
    seconds,
    get,
    batch,
    startupGet,
    startupBatch,
    coldStartEndMillis: Math.max(...firstSweepEnd),
    stats,
    wallMillis: Number(now() - started) / 1e6,
    wakeUps,
    tasks,
    stopped: fibers.filter((fiber) => fiber.unsafePoll() !== null).length
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------------------------------

interface Window {
  readonly peak: number
  readonly mean: number
}

/** Peak and mean calls per second over tumbling windows of `width` seconds from second `from` (whole windows). */
const windows = (series: Float64Array, from: number, width: number): Window => {
  let peak = 0
  let total = 0
  let n = 0
  for (let start = from; start + width <= series.length; start += width) {
    let sum = 0
    for (let s = start; s < start + width; s++) sum += series[s]!
    peak = Math.max(peak, sum / width)
    total += sum
    n++
  }
  return { peak, mean: n === 0 ? 0 : total / (n * width) }
}

const sum = (series: Float64Array, from = 0, to = series.length) => {
  let total = 0
  for (let s = from; s < to; s++) total += series[s]!
  return total
}

/** Mean calls per second in buckets of `width` seconds over the first `count` buckets. */
const buckets = (series: Float64Array, width: number, count: number) =>
  Array.from({ length: count }, (_, b) => sum(series, b * width, Math.min(series.length, (b + 1) * width)) / width)

const both = (run: FleetRun) => run.get.map((calls, s) => calls + run.batch[s]!)

const minutes = (m: number) => `${fmt(m, 0)}`

const duration = (seconds: number) =>
  seconds < 120
    ? `${fmt(seconds, 0)} s`
    : seconds < 7_200
    ? `${fmt(seconds / 60, 0)} min`
    : `${fmt(seconds / 3600, 1)} h`

/**
 * When a reloaded entry is first refreshed ahead, in seconds after its load: `refreshAhead` of its TTL, the TTL drawn
 * in [TTL × (1 − jitter), TTL]. The window in which a hit refreshes it ahead is the rest of its TTL.
 */
const refreshAfter = () => {
  const { jitter, refreshAhead, timeToLive } = SecretsOptions.defaults
  const ttl = Duration.toSeconds(timeToLive)
  return {
    low: refreshAhead * ttl * (1 - jitter),
    high: refreshAhead * ttl,
    window: (1 - refreshAhead) * ttl * (1 - jitter)
  }
}

const charts = (run: FleetRun, title: string): Array<string> => {
  const total = both(run)
  const columns = 60
  const rows = 12
  const out: Array<string> = []
  // Whole run: 60 columns (2 min each for 2 hours).
  const width = Math.max(1, Math.ceil(run.seconds / columns))
  const n = Math.ceil(run.seconds / width)
  const whole = buckets(total, width, n)
  const steadyFrom = Math.ceil(run.coldStartEndMillis / 1000 / width)
  // The cold start dwarfs the rest: the scale fits the steady part, and taller columns are clipped (^).
  const top = niceTop(Math.max(...whole.slice(steadyFrom), 1) * 1.1)
  out.push(
    `${title}: API calls per second (GetSecretValue + BatchGetSecretValue), mean per ${duration(width)} bucket ` +
      `over ${duration(run.seconds)}; columns above ${int(top)}/s are clipped (\`^\`), the first bucket's mean is ` +
      `${int(whole[0] ?? 0)}/s.`,
    "",
    ...chart(whole, {
      rows,
      top,
      unit: "calls/s",
      ticks: [0, 0.25, 0.5, 0.75, 1].map((f) => {
        const column = Math.min(n - 1, Math.round(f * n))
        return [column, `${minutes((column * width) / 60)} min`] as const
      })
    }),
    ""
  )
  // First 10 minutes at 10 s resolution: does a refresh wave come back near the TTL?
  const firstWidth = 10
  const firstCount = Math.min(60, Math.ceil(run.seconds / firstWidth))
  const first = buckets(total, firstWidth, firstCount)
  const firstSteady = Math.ceil(run.coldStartEndMillis / 1000 / firstWidth)
  const firstTop = niceTop(Math.max(...first.slice(firstSteady), 1) * 1.1)
  out.push(
    `${title}: the first ${duration(firstCount * firstWidth)}, mean calls per second per ${firstWidth} s bucket; ` +
      `clipped above ${int(firstTop)}/s (\`^\`; the cold start peaks at ${int(Math.max(...first))}/s). A refresh ` +
      `wave would come back about ${fmt(refreshAfter().low, 0)}–${fmt(refreshAfter().high, 0)} s after the cold start.`,
    "",
    ...chart(first, {
      rows,
      top: firstTop,
      unit: "calls/s",
      ticks: [0, 12, 24, 36, 48].filter((c) => c < firstCount).map((c) => [c, `${minutes((c * firstWidth) / 60)} min`])
    }),
    ""
  )
  return out
}

// A round axis top: 1, 2 or 5 times a power of ten.
const niceTop = (value: number) => {
  const magnitude = 10 ** Math.floor(Math.log10(value))
  return ([1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= value)) ?? value
}

const perProcess = (run: FleetRun) => {
  const { processes } = FLEET
  const steadyFrom = Math.ceil(run.coldStartEndMillis / 1000)
  const get = windows(run.get, steadyFrom, 1)
  const batch = windows(run.batch, steadyFrom, 1)
  return {
    steadyGetMean: get.mean / processes,
    steadyGetPeak: get.peak / processes,
    steadyBatchMean: batch.mean / processes,
    steadyBatchPeak: batch.peak / processes,
    // A process's busiest second after its start; all processes starting in the same second make N times this.
    startupGet: Math.max(...run.startupGet) / processes,
    startupBatch: Math.max(...run.startupBatch) / processes,
    startupGetTotal: sum(run.startupGet) / processes,
    startupBatchTotal: sum(run.startupBatch) / processes
  }
}

const atQuota = (quota: number, perProcessRate: number) => (perProcessRate > 0 ? quota / perProcessRate : Infinity)

export const fleet = async (): Promise<void> => {
  const { processes, secrets, trafficPeriodSeconds } = FLEET
  const ttlSeconds = Duration.toSeconds(SecretsOptions.defaults.timeToLive)
  const runs: Array<FleetRun> = []
  for (const mode of ["lazy", "prefetch"] as const) {
    progress(`fleet (${mode}): ${processes} processes × ${secrets} secrets, ${FLEET.hours} simulated hours`)
    runs.push(await simulate(mode))
  }
  const [lazy, prefetch] = runs as [FleetRun, FleetRun]
  const label = (run: FleetRun) =>
    run.mode === "lazy" ? "reads only" : `\`prefetch\` of the ${secrets} at start-up, then reads`
  const theoreticalMinimum = (processes * secrets * lazy.seconds) / ttlSeconds

  const lines: Array<string> = [
    `### E) Fleet simulation: ${int(processes)} processes × ${secrets} secrets, ${fmt(FLEET.hours, 1)} simulated hours`,
    "",
    `Simulated time (a discrete-event \`Clock\` and \`Scheduler\`, \`src/simulation.ts\`), deterministic. Each process ` +
    `has its own \`SecretsService.layer(SecretsOptions.defaults)\` (TTL ${fmt(ttlSeconds, 0)} s, refresh-ahead at ` +
    `${SecretsOptions.defaults.refreshAhead}, jitter ${SecretsOptions.defaults.jitter}) and its own seeded \`Random\`, ` +
    `starts at an offset drawn in the first ${fmt(trafficPeriodSeconds, 0)} s, and reads its ${secrets} secrets in ` +
    `order (\`yield* secrets.getString(id)\`) once every ${fmt(trafficPeriodSeconds, 0)} s. One shared store ` +
    `answers after ${FLEET.latencyMillis[0]}–${
      FLEET.latencyMillis[1]
    } ms (drawn per call, seeded) and counts calls per ` +
    `simulated second; \`prefetch\` uses its BatchGetSecretValue (${FLEET.batchSize} ids per call). The cold start ` +
    "ends when the last process has finished its first sweep. Stack traces and span recording are off while it runs " +
    "(CPU only: they change no call).",
    "",
    trafficPeriodSeconds < refreshAfter().window
      ? `- The traffic period (${fmt(trafficPeriodSeconds, 0)} s) is shorter than the refresh-ahead window of the ` +
        `defaults (at least ${fmt(refreshAfter().window, 1)} s), so each process refreshes every entry ahead with a ` +
        "hit: after the cold start no read waits on the store."
      : `- **The traffic period (${fmt(trafficPeriodSeconds, 0)} s) is not shorter than the refresh-ahead window of ` +
        `the defaults (${fmt(refreshAfter().window, 1)} s)**: some entries expire unread and their next read waits.`,
    "",
    ...table(
      ["Mode", "API", "window", "cold start", "peak calls/s", "mean calls/s", "peak/mean"],
      "lllrrrr",
      runs.flatMap((run) => {
        const apis = run.mode === "lazy"
          ? [["GetSecretValue", run.get] as const]
          : [["GetSecretValue", run.get] as const, ["BatchGetSecretValue", run.batch] as const]
        const steadyFrom = Math.ceil(run.coldStartEndMillis / 1000)
        return apis.flatMap(([api, series]) =>
          [1, 60].flatMap((width) =>
            [["included", 0], [`excluded (first ${steadyFrom} s)`, steadyFrom]].map(([text, from]) => {
              const w = windows(series, from as number, width)
              return [
                label(run),
                api,
                `${width} s`,
                text as string,
                fmt(w.peak, 1),
                fmt(w.mean, 1),
                w.mean > 0 ? `${fmt(w.peak / w.mean, 2)}` : "—"
              ]
            })
          )
        )
      })
    ),
    "",
    `Totals against the theoretical minimum, ${int(processes)} × ${secrets} × ${int(lazy.seconds)} s / ` +
    `${fmt(ttlSeconds, 0)} s = ${int(theoreticalMinimum)} secret reads (each secret loaded exactly once per TTL):`,
    "",
    ...table(
      [
        "Mode",
        "GetSecretValue calls",
        "BatchGetSecretValue calls",
        "API calls / minimum",
        "secrets read (loads)",
        "loads / minimum",
        "hits",
        "refresh-ahead loads",
        "misses",
        "wall time",
        "wake-ups / fiber tasks"
      ],
      "lrrrrrrrrrr",
      runs.map((run) => {
        const calls = sum(run.get) + sum(run.batch)
        return [
          label(run),
          int(sum(run.get)),
          int(sum(run.batch)),
          `${fmt(calls / theoreticalMinimum, 3)}×`,
          int(run.stats.loads),
          `${fmt(run.stats.loads / theoreticalMinimum, 3)}×`,
          int(run.stats.hits),
          int(run.stats.backgroundRefreshes),
          int(run.stats.misses),
          `${fmt(run.wallMillis / 1000, 1)} s`,
          `${int(run.wakeUps)} / ${int(run.tasks)}`
        ]
      })
    ),
    "",
    ...runs.map((run) =>
      `- ${label(run)}: ${run.stopped} of ${processes} processes stopped cleanly at the end; ` +
      `${int(run.stats.loadFailures)} failed loads, ${int(run.stats.evictions)} evictions, ` +
      `${int(run.stats.size)} entries held at the end.`
    ),
    "",
    ...charts(lazy, "Reads only"),
    ...charts(prefetch, "With prefetch")
  ]

  // Quota arithmetic from the measured per-process rates. Rates are assumed to scale linearly with the fleet.
  const a = perProcess(lazy)
  const b = perProcess(prefetch)
  const perHost = FLEET.processesPerHost
  const row = (what: string, lazyRate: number, prefetchRate: number, quota: number, api: string) => [
    what,
    api,
    fmt(lazyRate, 4),
    int(atQuota(quota, lazyRate)),
    int(atQuota(quota, lazyRate) * perHost),
    fmt(prefetchRate, 4),
    int(atQuota(quota, prefetchRate)),
    int(atQuota(quota, prefetchRate) * perHost)
  ]
  lines.push(
    "#### Quota arithmetic",
    "",
    `AWS's quotas per Region and account: GetSecretValue ${int(QUOTA.getSecretValue)}/s, BatchGetSecretValue ` +
      `${int(QUOTA.batchGetSecretValue)}/s. Per-process rates are measured above and assumed to scale linearly with ` +
      "the fleet; \"processes at quota\" is the quota over the per-process rate. The steady peak is the busiest second " +
      `after the cold start, divided by ${int(processes)}: it includes the refresh waves left by a start spread over ` +
      `${
        fmt(trafficPeriodSeconds, 0)
      } s, so a larger fleet started over a longer time would peak lower. A simultaneous ` +
      "start-up is every process starting in the same second: the fleet then makes N times one process's busiest " +
      "second after its start.",
    "",
    ...table(
      [
        "Situation",
        "API",
        "reads only: calls/s per process",
        "processes at quota",
        `with the agent (${perHost} per host)`,
        "prefetch: calls/s per process",
        "processes at quota",
        `with the agent (${perHost} per host)`
      ],
      "llrrrrrr",
      [
        row("steady state, mean", a.steadyGetMean, b.steadyGetMean, QUOTA.getSecretValue, "GetSecretValue"),
        row("steady state, peak second", a.steadyGetPeak, b.steadyGetPeak, QUOTA.getSecretValue, "GetSecretValue"),
        row("simultaneous start-up", a.startupGet, b.startupGet, QUOTA.getSecretValue, "GetSecretValue"),
        row(
          "steady state, peak second",
          a.steadyBatchPeak,
          b.steadyBatchPeak,
          QUOTA.batchGetSecretValue,
          "BatchGetSecretValue"
        ),
        [
          "simultaneous start-up",
          "BatchGetSecretValue",
          fmt(a.startupBatch, 4),
          int(atQuota(QUOTA.batchGetSecretValue, a.startupBatch)),
          "—",
          fmt(b.startupBatch, 4),
          int(atQuota(QUOTA.batchGetSecretValue, b.startupBatch)),
          // The agent has no batch read: through it, a host's start-up is single reads at the reads-only pace.
          `${int(atQuota(QUOTA.getSecretValue, a.startupGet) * perHost)} (single reads)`
        ]
      ]
    ),
    "",
    `- Scaled to the issue's fleet of 1,000 processes (linear in the per-process rates): reads only, ` +
      `${int(1000 * a.steadyGetMean)} GetSecretValue/s in steady state (${
        fmt((100 * 1000 * a.steadyGetMean) / QUOTA.getSecretValue, 1)
      }% ` +
      `of the quota) and ${int(1000 * a.startupGet)}/s in a simultaneous start-up; with prefetch, ` +
      `${int(1000 * b.startupBatch)} BatchGetSecretValue/s in a simultaneous start-up.`,
    `- One process's start-up: ${fmt(a.startupGetTotal, 1)} GetSecretValue calls in its first ${STARTUP_SECONDS} s ` +
      `reading only; with prefetch ${fmt(b.startupBatchTotal, 1)} BatchGetSecretValue + ${fmt(b.startupGetTotal, 1)} ` +
      "GetSecretValue. Its busiest second is what a simultaneous start multiplies.",
    `- With prefetch, a fleet restarted in one second hits the BatchGetSecretValue quota at ` +
      `${
        int(atQuota(QUOTA.batchGetSecretValue, b.startupBatch))
      } processes, long before GetSecretValue's (the fleet's ` +
      "batches are not simulated as throttled: what happens past the quota is the store's retry policy and the " +
      "cache's failure backoff, not measured here). Reading lazily instead spreads each process's start over its " +
      "sequential misses.",
    `- The agent store (\`AgentSecretStore\`, one Secrets Manager Agent per host serving ${perHost} processes): the ` +
      "agent calls Secrets Manager, not the processes, so calls scale with hosts and every figure above is multiplied " +
      `by ${perHost}, assuming the agent refreshes each secret about as often as one process does here (its own TTL, ` +
      "300 s by default) and, having no batch read, loads a host's secrets with single reads.",
    `- Wall time: ${runs.map((run) => `${fmt(run.wallMillis / 1000, 1)} s (${run.mode})`).join(", ")}.`,
    ""
  )
  print(lines)
}
