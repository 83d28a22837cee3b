/**
 * Timing loops: a warm-up, then `rounds` timed rounds of `iterations` operations each; one ns/op figure per round.
 */
import { Effect } from "effect"

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const parsed = raw === undefined ? Number.NaN : Number(raw)
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : fallback
}

export const settings = {
  rounds: envInt("BENCH_ROUNDS", 5),
  iterations: envInt("BENCH_ITERATIONS", 500_000),
  warmup: envInt("BENCH_WARMUP", 200_000)
} as const

export interface Sizes {
  readonly rounds: number
  readonly iterations: number
  readonly warmup: number
}

/** The settings with fewer operations, for cases that cost microseconds each (spans, Powertools). */
export const scaled = (factor: number): Sizes => ({
  rounds: settings.rounds,
  iterations: Math.max(1_000, Math.round(settings.iterations * factor)),
  warmup: Math.max(1_000, Math.round(settings.warmup * factor))
})

/** Where results go, so the optimizer cannot drop the work that produced them. */
export const blackhole: { value: unknown } = { value: undefined }

export const now = (): bigint => process.hrtime.bigint()

const perOp = (start: bigint, end: bigint, iterations: number): number => Number(end - start) / iterations

/** Runs `op` in the calling fiber: one `yield*` per operation, as user code would. */
export const fiberLoop = <A, E, R>(
  op: () => Effect.Effect<A, E, R>,
  sizes: Sizes = settings
): Effect.Effect<Array<number>, E, R> =>
  Effect.gen(function*() {
    const { iterations, rounds, warmup } = sizes
    for (let i = 0; i < warmup; i++) blackhole.value = yield* op()
    const results: Array<number> = []
    for (let round = 0; round < rounds; round++) {
      const start = now()
      for (let i = 0; i < iterations; i++) blackhole.value = yield* op()
      results.push(perOp(start, now(), iterations))
    }
    return results
  })

/**
 * Runs `op` with no generator: a chain of `Effect.flatMap(op(), k)` in one fiber, where `k` returns the rest of the
 * chain. Each operation is one `flatMap` step plus whatever running `op()` takes in the fiber's run loop.
 */
export const chainLoop = <A, E, R>(
  op: () => Effect.Effect<A, E, R>,
  sizes: Sizes = settings
): Effect.Effect<Array<number>, E, R> => {
  const chain = (remaining: number): Effect.Effect<void, E, R> =>
    remaining === 0 ? Effect.void : Effect.flatMap(op(), (a) => {
      blackhole.value = a
      return chain(remaining - 1)
    })
  return Effect.gen(function*() {
    const { iterations, rounds, warmup } = sizes
    yield* chain(warmup)
    const results: Array<number> = []
    for (let round = 0; round < rounds; round++) {
      const start = now()
      yield* chain(iterations)
      results.push(perOp(start, now(), iterations))
    }
    return results
  })
}

/** Runs `op` in an async function: one `await` per operation. `beforeRound` runs untimed before each timed round. */
export const promiseLoop = async <A>(
  op: () => Promise<A>,
  hooks: { readonly beforeRound?: () => Promise<void>; readonly afterRound?: () => void } = {},
  sizes: Sizes = settings
): Promise<Array<number>> => {
  const { iterations, rounds, warmup } = sizes
  await hooks.beforeRound?.()
  for (let i = 0; i < warmup; i++) blackhole.value = await op()
  const results: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    await hooks.beforeRound?.()
    const start = now()
    for (let i = 0; i < iterations; i++) blackhole.value = await op()
    results.push(perOp(start, now(), iterations))
    hooks.afterRound?.()
  }
  return results
}

/** Runs `round(iterations)` synchronously; `round` holds its own loop so nothing but the work is timed. */
export const syncLoop = (round: (iterations: number) => unknown, sizes: Sizes = settings): Array<number> => {
  const { iterations, rounds, warmup } = sizes
  blackhole.value = round(warmup)
  const results: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    const start = now()
    blackhole.value = round(iterations)
    results.push(perOp(start, now(), iterations))
  }
  return results
}

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
