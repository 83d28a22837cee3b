/**
 * How both stores retry and time out a call: in Effect, on Effect's `Clock` and `Random`, so `TestClock` drives it and
 * interruption reaches it. Also the one place their `timeout` and `retry` options are checked.
 *
 * @internal
 */
import type { SecretStoreError } from "@effect-secrets/core"
import { isTransient } from "@effect-secrets/core"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type { RetryOptions } from "../AwsSecretStore.js"

/** @internal */
export const defaults = {
  timeout: Duration.seconds(5),
  maxAttempts: 4,
  base: Duration.millis(100),
  max: Duration.seconds(2),
  budget: Duration.seconds(10)
} as const

/**
 * The options both stores share, checked, with every default filled in.
 *
 * @internal
 */
export interface Resolved {
  readonly timeout: Duration.Duration
  readonly maxAttempts: number
  readonly base: Duration.Duration
  readonly max: Duration.Duration
  readonly budget: Duration.Duration
}

/**
 * The option that breaks a rule, as the user wrote its path, and the rule.
 *
 * @internal
 */
export interface Violation {
  readonly option: "timeout" | "retry.maxAttempts" | "retry.base" | "retry.max" | "retry.budget"
  readonly reason: string
}

/**
 * The environment variable `AwsSecretStore.config` reads each option from.
 *
 * @internal
 */
export const variables: Readonly<Record<Violation["option"], string>> = {
  timeout: "SECRETS_STORE_TIMEOUT",
  "retry.maxAttempts": "SECRETS_STORE_MAX_ATTEMPTS",
  "retry.base": "SECRETS_STORE_RETRY_BASE",
  "retry.max": "SECRETS_STORE_RETRY_MAX",
  "retry.budget": "SECRETS_STORE_RETRY_BUDGET"
}

// Duration reads NaN as zero and a negative input as a negative duration, and throws on text it cannot parse: check
// the input itself first, then refuse whatever decodes to a negative or infinite duration.
const decode = (
  input: Duration.Input | undefined,
  fallback: Duration.Duration
): Duration.Duration | undefined => {
  if (input === undefined) return fallback
  const finiteNonNegative = (part: unknown) => typeof part === "number" && part >= 0 && part < Infinity
  if (typeof input === "number" && !(input >= 0)) return undefined
  if (typeof input === "bigint" && input < 0n) return undefined
  if (typeof input === "string" && input.trim().startsWith("-")) return undefined
  if (Array.isArray(input) && !input.every(finiteNonNegative)) return undefined
  // A `{ seconds, millis, ... }` object: Duration skips a NaN field as if unset, so every field is checked here.
  if (
    typeof input === "object" && !Array.isArray(input) && !Duration.isDuration(input) &&
    !Object.values(input).every((part) => part === undefined || finiteNonNegative(part))
  ) {
    return undefined
  }
  const decoded = Duration.fromInput(input)
  return decoded._tag === "Some" && Duration.isFinite(decoded.value) && !Duration.isNegative(decoded.value)
    ? decoded.value
    : undefined
}

const positive = "must be a finite duration above zero, such as \"5 seconds\""

/**
 * Fills in the defaults and checks every rule: durations finite (and above zero where zero would make every call
 * fail or retry at once), `retry.max` no shorter than `retry.base`, `retry.maxAttempts` a whole number of at least 1.
 *
 * @internal
 */
export const resolve = (
  options: { readonly timeout?: Duration.Input | undefined; readonly retry?: RetryOptions | undefined }
): Result.Result<Resolved, Violation> => {
  const fail = (option: Violation["option"], reason: string) => Result.fail({ option, reason })
  const timeout = decode(options.timeout, defaults.timeout)
  if (timeout === undefined || Duration.toMillis(timeout) <= 0) return fail("timeout", positive)
  const maxAttempts = options.retry?.maxAttempts ?? defaults.maxAttempts
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    return fail("retry.maxAttempts", "must be a whole number of at least 1 (1 turns retries off)")
  }
  const base = decode(options.retry?.base, defaults.base)
  if (base === undefined || Duration.toMillis(base) <= 0) return fail("retry.base", positive)
  const max = decode(options.retry?.max, defaults.max)
  if (max === undefined || Duration.isLessThan(max, base)) {
    return fail("retry.max", "must be a finite duration no shorter than retry.base")
  }
  const budget = decode(options.retry?.budget, defaults.budget)
  if (budget === undefined) return fail("retry.budget", "must be a finite duration of zero or more")
  return Result.succeed({ timeout, maxAttempts, base, max, budget })
}

/**
 * Retries transient failures only: exponential from `base`, each delay capped at `max`, full jitter (callers that
 * failed together do not retry together), at most `maxAttempts` attempts, none started after `budget`.
 *
 * @internal
 */
export const retrying = (options: Resolved) => {
  const maxMillis = Duration.toMillis(options.max)
  const budgetMillis = Duration.toMillis(options.budget)
  const schedule = Schedule.exponential(options.base).pipe(
    // Capped, then full jitter: a delay drawn uniformly below the capped one, from Effect's Random.
    Schedule.modifyDelay(({ duration }) =>
      Effect.map(Random.next, (random) => Duration.millis(Math.min(Duration.toMillis(duration), maxMillis) * random))
    ),
    // The first step comes after the first attempt failed: `attempt` counts retries; `elapsed` is since that failure.
    Schedule.while(({ attempt, elapsed }) => attempt < options.maxAttempts && elapsed < budgetMillis)
  )
  return <A>(effect: Effect.Effect<A, SecretStoreError>) => Effect.retry(effect, { schedule, while: isTransient })
}

/**
 * The longest one retried call can take: every attempt timing out with the longest delays between them, or the
 * budget's bound (a retry is decided before `budget` has passed since the first failure, then waits at most `max`).
 *
 * @internal
 */
export const worstCase = (options: Resolved): Duration.Duration => {
  const byAttempts = Duration.sum(
    Duration.times(options.timeout, options.maxAttempts),
    Duration.times(options.max, options.maxAttempts - 1)
  )
  const byBudget = options.maxAttempts === 1
    ? options.timeout
    : Duration.sum(Duration.sum(options.timeout, options.budget), Duration.sum(options.max, options.timeout))
  return Duration.min(byAttempts, byBudget)
}

/**
 * A `Config.ConfigError` that says `message`, at the variable `path` names (none for options of the caller's own
 * `Config`). It never quotes the value read: the issue carries no input.
 *
 * @internal
 */
export const invalidConfig = (message: string, path: ReadonlyArray<string> = []): Config.ConfigError => {
  const issue = new SchemaIssue.InvalidValue({ message })
  return new Config.ConfigError(
    new Schema.SchemaError(path.length === 0 ? issue : new SchemaIssue.Pointer(path, issue))
  )
}
