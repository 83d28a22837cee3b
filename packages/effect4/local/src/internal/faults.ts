/**
 * Fault injection: the rules a test sets, per secret or for all, and the decision taken for each call that reads
 * secrets. Latency sleeps on Effect's `Clock` and fractions draw from Effect's `Random`, so `TestClock` and
 * `TestRandom` drive both in-process.
 *
 * Precedence for one call: the latency first, then a hang, then an injected error, then a server error, then
 * throttling. A secret's own rule is used before the rule for all secrets.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import * as Errors from "./errors.js"

/** @internal */
export type InjectableError = keyof typeof Errors.injectable

interface Rules {
  latency: Duration.Duration | undefined
  throttleNext: number
  throttleFraction: number
  serverErrorNext: number
  hangNext: number
  errorNext: number
  error: SecretsManagerError | undefined
}

const emptyRules = (): Rules => ({
  latency: undefined,
  throttleNext: 0,
  throttleFraction: 0,
  serverErrorNext: 0,
  hangNext: 0,
  errorNext: 0,
  error: undefined
})

/** @internal */
export type Decision =
  | { readonly _tag: "Proceed" }
  | { readonly _tag: "Hang" }
  | { readonly _tag: "Fail"; readonly error: SecretsManagerError }

/** @internal */
export interface Verdict {
  readonly latency: Duration.Duration
  readonly decision: Decision
}

const ALL = "*"

const count = (n: number | undefined): number => n === undefined || !Number.isFinite(n) ? 0 : Math.max(0, Math.floor(n))

/**
 * Fresh, empty fault rules. They belong to one server alone.
 *
 * @internal
 */
export const make = () => {
  const rules = new Map<string, Rules>()

  const rulesFor = (secretId: string | undefined): Rules => {
    const key = secretId ?? ALL
    const existing = rules.get(key)
    if (existing !== undefined) return existing
    const fresh = emptyRules()
    rules.set(key, fresh)
    return fresh
  }

  const update = (secretId: string | undefined, f: (rules: Rules) => void) => Effect.sync(() => f(rulesFor(secretId)))

  const setLatency = (latency: Duration.Input, secretId?: string) =>
    update(secretId, (r) => {
      r.latency = Duration.fromInputUnsafe(latency)
    })

  const throttle = (
    options: { readonly next?: number | undefined; readonly fraction?: number | undefined },
    secretId?: string
  ) =>
    update(secretId, (r) => {
      r.throttleNext = count(options.next)
      r.throttleFraction = Math.min(1, Math.max(0, options.fraction ?? 0))
    })

  const serverError = (next: number, secretId?: string) =>
    update(secretId, (r) => {
      r.serverErrorNext = count(next)
    })

  const hang = (next: number, secretId?: string) =>
    update(secretId, (r) => {
      r.hangNext = count(next)
    })

  const fail = (code: InjectableError, next: number, message: string | undefined, secretId?: string) =>
    update(secretId, (r) => {
      r.errorNext = count(next)
      r.error = Errors.injectable[code](message ?? `Injected ${code}`)
    })

  const clear = Effect.sync(() => rules.clear())

  /** Whether a rule for `secretId` exists or may be added: the admin route adds at most `maxTargets`. */
  const canTarget = (secretId: string | undefined, maxTargets: number): boolean =>
    rules.has(secretId ?? ALL) || rules.size < maxTargets

  /**
   * The verdict for one call naming `names` (the ids it asked for and the names and ARNs they resolve to). Counters
   * are taken from the first matching rule that has one left.
   */
  const decide = (names: ReadonlyArray<string>): Effect.Effect<Verdict> =>
    Effect.gen(function*() {
      const matching: Array<Rules> = []
      for (const name of names) {
        const own = rules.get(name)
        if (own !== undefined && !matching.includes(own)) matching.push(own)
      }
      const all = rules.get(ALL)
      if (all !== undefined) matching.push(all)

      const latency = matching.find((r) => r.latency !== undefined)?.latency ?? Duration.zero
      const take = (pick: (r: Rules) => number, drop: (r: Rules) => void): Rules | undefined => {
        const r = matching.find((r) => pick(r) > 0)
        if (r !== undefined) drop(r)
        return r
      }
      if (take((r) => r.hangNext, (r) => r.hangNext--) !== undefined) {
        return { latency, decision: { _tag: "Hang" } } as const
      }
      const injected = take((r) => r.error === undefined ? 0 : r.errorNext, (r) => r.errorNext--)
      if (injected?.error !== undefined) {
        return { latency, decision: { _tag: "Fail", error: injected.error } } as const
      }
      if (take((r) => r.serverErrorNext, (r) => r.serverErrorNext--) !== undefined) {
        const error = Errors.internalServiceError("An error occurred on the server side.")
        return { latency, decision: { _tag: "Fail", error } } as const
      }
      const throttled = take((r) => r.throttleNext, (r) => r.throttleNext--) !== undefined ||
        (yield* drawThrottle(matching))
      if (throttled) {
        return { latency, decision: { _tag: "Fail", error: Errors.throttling("Rate exceeded") } } as const
      }
      return { latency, decision: { _tag: "Proceed" } } as const
    })

  const drawThrottle = (matching: ReadonlyArray<Rules>): Effect.Effect<boolean> => {
    const fraction = matching.find((r) => r.throttleFraction > 0)?.throttleFraction ?? 0
    if (fraction <= 0) return Effect.succeed(false)
    return Effect.map(Random.next, (draw) => draw < fraction)
  }

  return { setLatency, throttle, serverError, hang, fail, clear, decide, canTarget } as const
}

/** @internal */
export type Faults = ReturnType<typeof make>
