/**
 * The command vocabulary every cache runtime is driven with: plain data, so a shrunk counterexample prints as a list a
 * test can replay as it is, and fast-check arbitraries that generate runs (the options of a run, then its commands).
 */
import * as fc from "fast-check"

/** The secrets of a run: three ids. */
export const secretIds = ["a", "b", "c"] as const
/** @since 0.0.0 */
export type SecretId = typeof secretIds[number]

/** A key is an id and its selector: `a` reads AWSCURRENT, `a@AWSPREVIOUS` another entry (rule 11). */
export const keys = ["a", "b", "c", "a@AWSPREVIOUS", "b@AWSPREVIOUS"] as const
export type Key = typeof keys[number]

/** The read a key stands for: its secret id and its version selector (`undefined` for AWSCURRENT). */
export const requestOf = (key: Key): { readonly secretId: SecretId; readonly versionStage: string | undefined } => {
  const [secretId, versionStage] = key.split("@") as [SecretId, string | undefined]
  return { secretId, versionStage }
}

/** How a store call ends. */
export type Outcome =
  | { readonly _tag: "Success"; readonly version: string }
  | { readonly _tag: "Transient" }
  | { readonly _tag: "Revocation"; readonly error: "SecretNotFound" | "SecretAccessDenied" }
  | { readonly _tag: "Defect" }

export type Command =
  /** `n` callers read the key at once (a burst when `n` > 1). */
  | { readonly _tag: "Read"; readonly key: Key; readonly n: number }
  /** Monotonic time moves on by `millis`. */
  | { readonly _tag: "Advance"; readonly millis: number }
  /** The oldest store call in flight for the key ends with `outcome` (only when one is in flight). */
  | { readonly _tag: "Complete"; readonly key: Key; readonly outcome: Outcome }
  | { readonly _tag: "Invalidate"; readonly key: Key }
  /** `invalidateAll`: every key leaves the table; loads in flight answer their own callers only. */
  | { readonly _tag: "InvalidateAll" }
  /** An explicit `refresh`: loads now, or joins the load in flight. */
  | { readonly _tag: "Refresh"; readonly key: Key }
  /** A forced refresh (after an auth failure): at most one store call per key per `minRefreshInterval`. */
  | { readonly _tag: "ForceRefresh"; readonly key: Key }
  /** `prefetch` of AWSCURRENT ids, distinct, at most `capacity` of them. */
  | { readonly _tag: "Prefetch"; readonly secretIds: ReadonlyArray<SecretId> }

/**
 * The settings of one run. Durations in milliseconds (the Effect shell's options are millisecond durations); `draws`
 * are the numbers in [0, 1) the service's `Random` hands out, in order and round again (`Random.fixed`).
 */
export interface RunOptions {
  readonly ttl: number
  readonly refreshAhead: number
  readonly maxStale: number
  readonly jitter: number
  readonly backoffBase: number
  readonly backoffMax: number
  readonly capacity: number
  readonly minRefreshInterval: number
  readonly draws: ReadonlyArray<number>
}

/** Reads a command the way a test writes it: `Read(a)`, `Complete(b, Success(v2))`, `Advance(35)`. */
export const show = (command: Command): string => {
  switch (command._tag) {
    case "Read":
      return command.n === 1 ? `Read(${command.key})` : `Read(${command.key} x${command.n})`
    case "Advance":
      return `Advance(${command.millis})`
    case "Complete":
      return `Complete(${command.key}, ${showOutcome(command.outcome)})`
    case "InvalidateAll":
      return "InvalidateAll"
    case "Invalidate":
    case "Refresh":
    case "ForceRefresh":
      return `${command._tag}(${command.key})`
    case "Prefetch":
      return `Prefetch(${command.secretIds.join(", ")})`
  }
}

const showOutcome = (outcome: Outcome): string =>
  outcome._tag === "Success"
    ? `Success(${outcome.version})`
    : outcome._tag === "Revocation"
    ? `Revocation(${outcome.error})`
    : outcome._tag

// Exact binary fractions only: deadlines computed in nanoseconds and in milliseconds then compare the same way.
const fraction = fc.constantFrom(0, 0.25, 0.5, 0.75)

/** Options of a run: a small TTL and backoff (milliseconds), capacity 2 to 4, jitter and refresh-ahead on or off. */
export const runOptions = (
  overrides: { readonly jitter?: fc.Arbitrary<number>; readonly refreshAhead?: fc.Arbitrary<number> } = {}
): fc.Arbitrary<RunOptions> =>
  fc.record({
    ttl: fc.integer({ min: 4, max: 40 }).map((n) => n * 10),
    refreshAhead: overrides.refreshAhead ?? fc.constantFrom(1, 0.5, 0.75),
    maxStale: fc.constantFrom(0, 100, 400),
    jitter: overrides.jitter ?? fc.constantFrom(0, 0.25, 0.5),
    backoffBase: fc.constantFrom(10, 20, 40),
    backoffDoublings: fc.integer({ min: 0, max: 3 }),
    capacity: fc.integer({ min: 2, max: 4 }),
    minRefreshInterval: fc.constantFrom(0, 30, 100),
    draws: fc.array(fraction, { minLength: 1, maxLength: 6 })
  }).map(({ backoffDoublings, ...options }) => ({
    ...options,
    backoffMax: options.backoffBase * 2 ** backoffDoublings
  }))

/** Store outcomes, weighted (success, transient failure, revocation, defect). */
export const outcomes = (
  weights: {
    readonly success: number
    readonly transient: number
    readonly revocation: number
    readonly defect: number
  }
): fc.Arbitrary<Outcome> =>
  fc.oneof(
    {
      weight: weights.success,
      arbitrary: fc.constantFrom("v1", "v2", "v3").map((version) => ({ _tag: "Success" as const, version }))
    },
    { weight: weights.transient, arbitrary: fc.constant({ _tag: "Transient" as const }) },
    {
      weight: weights.revocation,
      arbitrary: fc.constantFrom("SecretNotFound" as const, "SecretAccessDenied" as const).map((error) => ({
        _tag: "Revocation" as const,
        error
      }))
    },
    { weight: weights.defect, arbitrary: fc.constant({ _tag: "Defect" as const }) }
  )

export const outcome: fc.Arbitrary<Outcome> = outcomes({ success: 5, transient: 3, revocation: 1, defect: 1 })

// A few keys are read often (hits, refresh-ahead, stale reads), the others enough to fill the table (eviction).
const key: fc.Arbitrary<Key> = fc.oneof(
  { weight: 5, arbitrary: fc.constant("a" as const) },
  { weight: 3, arbitrary: fc.constant("b" as const) },
  { weight: 1, arbitrary: fc.constantFrom(...keys) }
)

/** Which commands a runtime can be driven with, and how often each is drawn. */
export interface Vocabulary {
  readonly read?: number
  readonly burst?: number
  readonly advance?: number
  readonly complete?: number
  readonly invalidate?: number
  readonly invalidateAll?: number
  readonly refresh?: number
  readonly forceRefresh?: number
  readonly prefetch?: number
}

/** Every command, weighted for runs that reach expiry, refresh-ahead, stale reads, backoff and eviction. */
export const everything: Vocabulary = {
  read: 8,
  burst: 2,
  advance: 5,
  complete: 8,
  invalidate: 1,
  invalidateAll: 1,
  refresh: 1,
  forceRefresh: 1,
  prefetch: 1
}

/** The arbitraries of single commands, given the options of the run (`Prefetch` takes at most `capacity` ids). */
export const command = (
  options: RunOptions,
  vocabulary: Vocabulary = everything,
  outcomes: fc.Arbitrary<Outcome> = outcome
): fc.Arbitrary<Command> => {
  const weighted: Array<fc.WeightedArbitrary<Command>> = []
  const add = (weight: number | undefined, arbitrary: fc.Arbitrary<Command>) => {
    if (weight !== undefined && weight > 0) weighted.push({ weight, arbitrary })
  }
  add(vocabulary.read, key.map((key) => ({ _tag: "Read", key, n: 1 })))
  add(vocabulary.burst, fc.tuple(key, fc.integer({ min: 2, max: 5 })).map(([key, n]) => ({ _tag: "Read", key, n })))
  add(
    vocabulary.advance,
    // Mostly steps within a TTL; sometimes exactly a deadline's distance, sometimes past TTL + maxStale.
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.floor(options.ttl / 4)) }) },
      { weight: 2, arbitrary: fc.constantFrom(options.ttl, options.backoffBase, options.backoffMax) },
      { weight: 1, arbitrary: fc.integer({ min: options.ttl, max: options.ttl + options.maxStale + 10 }) }
    ).map((millis) => ({ _tag: "Advance", millis }))
  )
  add(vocabulary.complete, fc.tuple(key, outcomes).map(([key, outcome]) => ({ _tag: "Complete", key, outcome })))
  add(vocabulary.invalidate, key.map((key) => ({ _tag: "Invalidate", key })))
  add(vocabulary.invalidateAll, fc.constant({ _tag: "InvalidateAll" }))
  add(vocabulary.refresh, key.map((key) => ({ _tag: "Refresh", key })))
  add(vocabulary.forceRefresh, key.map((key) => ({ _tag: "ForceRefresh", key })))
  add(
    vocabulary.prefetch,
    fc.shuffledSubarray([...secretIds], { minLength: 1, maxLength: Math.min(secretIds.length, options.capacity) })
      .map((secretIds) => ({ _tag: "Prefetch", secretIds }))
  )
  return fc.oneof(...weighted)
}
