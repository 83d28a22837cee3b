/**
 * How the cache behaves: TTL, capacity, refresh-ahead, stale-if-error, jitter and failure backoff.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"

/**
 * Options of `SecretsService.layer`. Every field is optional; the defaults suit a secret rotated daily or less often.
 *
 * @since 0.1.0
 * @category models
 */
export interface SecretsOptions {
  /** How long an entry is fresh. Keep it below the rotation interval. Default: 5 minutes. */
  readonly timeToLive?: Duration.Input | undefined
  /** How many entries are kept; the least recently used is evicted beyond it. Default: 1024. */
  readonly capacity?: number | undefined
  /**
   * Fraction of the TTL after which a read still returns the cached value at once but also starts one background
   * refresh, so steady traffic never waits at the TTL boundary. In (0, 1]; 1 turns it off. Default: 0.95 (15 s ahead
   * of a 5-minute TTL: ample for a load, and few calls beyond the TTL's minimum).
   */
  readonly refreshAhead?: number | undefined
  /**
   * How long past its TTL an entry may still be served while loads fail transiently (`SecretsUnavailable`).
   * 0 turns stale-if-error off. Default: 15 minutes.
   */
  readonly maxStale?: Duration.Input | undefined
  /**
   * Each entry's TTL is drawn uniformly in [ttl * (1 - jitter), ttl] from Effect's `Random`, so entries loaded
   * together do not all expire together; and with jitter above 0, a cold entry's refresh-ahead point is drawn in
   * [0, refreshAhead) of its TTL (start-up spread), so processes started together do not refresh together. In
   * [0, 1); 0 makes every deadline exact (tests). Default: 0.05.
   */
  readonly jitter?: number | undefined
  /**
   * How long a failed load is remembered (and shared by every caller) before the next read tries the store again:
   * `base`, doubling per consecutive failure, up to `max`. Defaults: 1 second and 1 minute.
   */
  readonly failureBackoff?: {
    readonly base?: Duration.Input | undefined
    readonly max?: Duration.Input | undefined
  } | undefined
  /** Label every metric with `secret_id` (one time series per secret: mind the cardinality). Default: false. */
  readonly secretIdLabel?: boolean | undefined
  /**
   * Trace every read, hits included, with a `SecretsService.get` span. Off by default: a hit costs about a Map lookup
   * and a clock read, a span several times that. Reads that start a load, fail or serve stale are always traced.
   */
  readonly traceHits?: boolean | undefined
}

/**
 * The defaults, spelled out.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults = {
  timeToLive: Duration.minutes(5),
  capacity: 1024,
  refreshAhead: 0.95,
  maxStale: Duration.minutes(15),
  jitter: 0.05,
  failureBackoff: { base: Duration.seconds(1), max: Duration.minutes(1) },
  secretIdLabel: false,
  traceHits: false
} as const

/**
 * Options with every default filled in and every rule checked.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedSecretsOptions {
  readonly timeToLive: Duration.Duration
  readonly capacity: number
  readonly refreshAhead: number
  readonly maxStale: Duration.Duration
  readonly jitter: number
  readonly failureBackoff: { readonly base: Duration.Duration; readonly max: Duration.Duration }
  readonly secretIdLabel: boolean
  readonly traceHits: boolean
}

/**
 * Options that break a rule (a negative TTL, a jitter of 2, ...). A defect: options are code, not input.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidSecretsOptions extends Schema.TaggedError<InvalidSecretsOptions>()("InvalidSecretsOptions", {
  option: Schema.String,
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Invalid SecretsOptions.${this.option}: ${this.reason}`
  }
}

const isNegative = (input: Duration.Input | undefined): boolean =>
  (typeof input === "number" && input < 0) || (typeof input === "bigint" && input < 0n) ||
  (typeof input === "string" && input.trim().startsWith("-"))

// Ten years: longer is a mistake, and past it deadlines in float nanoseconds lose their meaning.
const longest = 10 * 365 * 24 * 60 * 60 * 1000

/**
 * A duration option as milliseconds, or `undefined` when it is not one: not decodable, negative, not finite, or
 * beyond ten years. Never throws: Effect's `Duration` throws `RangeError` comparing some huge inputs.
 *
 * @internal
 */
export const durationMillis = (input: unknown): number | undefined => {
  if (isNegative(input as Duration.Input) || (typeof input === "number" && !Number.isFinite(input))) {
    return undefined // Duration reads NaN as zero and a negative number as zero: both are mistakes worth naming
  }
  try {
    const decoded = Duration.fromInput(input as Duration.Input)
    if (decoded._tag === "None") return undefined
    const millis = Duration.toMillis(decoded.value)
    return Number.isFinite(millis) && millis >= 0 && millis <= longest ? millis : undefined
  } catch {
    return undefined
  }
}

/**
 * Fills in the defaults and checks every rule.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: SecretsOptions = {}): Result.Result<ResolvedSecretsOptions, InvalidSecretsOptions> => {
  const fail = (option: string, reason: string) => Result.fail(new InvalidSecretsOptions({ option, reason }))
  // JavaScript callers and untyped config reach here: a field of the wrong type is named, never thrown over.
  const backoff: SecretsOptions["failureBackoff"] = options.failureBackoff
  if (backoff !== undefined && (typeof backoff !== "object" || backoff === null)) {
    return fail("failureBackoff", "must be an object with base and/or max")
  }
  const duration = (input: Duration.Input | undefined, fallback: Duration.Duration) =>
    input === undefined ? Duration.toMillis(fallback) : durationMillis(input)
  const within = "a duration (such as \"30 seconds\") of at most ten years"

  const timeToLive = duration(options.timeToLive, defaults.timeToLive)
  if (timeToLive === undefined || timeToLive <= 0) return fail("timeToLive", `must be ${within}, above zero`)
  // Duration turns a negative input into zero; a negative maxStale is a mistake worth naming, not a silent 0.
  const maxStale = duration(options.maxStale, defaults.maxStale)
  if (maxStale === undefined) return fail("maxStale", `must be ${within}, zero or more`)
  const base = duration(backoff?.base, defaults.failureBackoff.base)
  if (base === undefined || base <= 0) return fail("failureBackoff.base", `must be ${within}, above zero`)
  const max = duration(backoff?.max, defaults.failureBackoff.max)
  if (max === undefined || max < base) {
    return fail("failureBackoff.max", `must be ${within}, no shorter than failureBackoff.base`)
  }
  const capacity = options.capacity ?? defaults.capacity
  if (typeof capacity !== "number" || !Number.isSafeInteger(capacity) || capacity < 1) {
    return fail("capacity", "must be a whole number of at least 1")
  }
  const refreshAhead = options.refreshAhead ?? defaults.refreshAhead
  if (!(typeof refreshAhead === "number" && refreshAhead > 0 && refreshAhead <= 1)) {
    return fail("refreshAhead", "must be in (0, 1]; 1 turns refresh-ahead off")
  }
  const jitter = options.jitter ?? defaults.jitter
  if (!(typeof jitter === "number" && jitter >= 0 && jitter < 1)) {
    return fail("jitter", "must be in [0, 1)")
  }
  return Result.succeed({
    timeToLive: Duration.millis(timeToLive),
    capacity,
    refreshAhead,
    maxStale: Duration.millis(maxStale),
    jitter,
    failureBackoff: { base: Duration.millis(base), max: Duration.millis(max) },
    secretIdLabel: options.secretIdLabel === undefined ? defaults.secretIdLabel : options.secretIdLabel === true,
    traceHits: options.traceHits === undefined ? defaults.traceHits : options.traceHits === true
  })
}

// Which environment variable sets which option, for errors that name what the operator wrote.
const variables: Record<string, string> = {
  timeToLive: "SECRETS_CACHE_TIME_TO_LIVE",
  capacity: "SECRETS_CACHE_CAPACITY",
  refreshAhead: "SECRETS_CACHE_REFRESH_AHEAD",
  maxStale: "SECRETS_CACHE_MAX_STALE",
  jitter: "SECRETS_CACHE_JITTER",
  "failureBackoff.base": "SECRETS_CACHE_FAILURE_BACKOFF_BASE",
  "failureBackoff.max": "SECRETS_CACHE_FAILURE_BACKOFF_MAX"
}

// A duration variable as its text: `Config.duration` reads "-5 minutes" as zero, and `resolve` must see the minus to
// name the mistake.
function duration(name: string): Config.Config<Duration.Input> {
  return Config.map(Config.String(name), (text) => text as Duration.Input)
}

// An unset variable keeps the option's default; a set but invalid one still fails.
const unset = <A>(config: Config.Config<A>): Config.Config<A | undefined> => Config.withDefault(config, undefined)

/**
 * Reads the options from Effect `Config`, so operators can set them from the environment:
 * `SECRETS_CACHE_TIME_TO_LIVE` ("5 minutes"), `SECRETS_CACHE_CAPACITY`, `SECRETS_CACHE_REFRESH_AHEAD`,
 * `SECRETS_CACHE_MAX_STALE`, `SECRETS_CACHE_JITTER`, `SECRETS_CACHE_FAILURE_BACKOFF_BASE`,
 * `SECRETS_CACHE_FAILURE_BACKOFF_MAX`, `SECRETS_CACHE_SECRET_ID_LABEL` and `SECRETS_CACHE_TRACE_HITS`. Unset variables keep their defaults; a value that breaks a rule fails with
 * a `Config.ConfigError` (a `SchemaError` at the variable's path) whose message names the variable.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<SecretsOptions> = Config.all({
  timeToLive: unset(duration("SECRETS_CACHE_TIME_TO_LIVE")),
  capacity: unset(Config.Int("SECRETS_CACHE_CAPACITY")),
  refreshAhead: unset(Config.Number("SECRETS_CACHE_REFRESH_AHEAD")),
  maxStale: unset(duration("SECRETS_CACHE_MAX_STALE")),
  jitter: unset(Config.Number("SECRETS_CACHE_JITTER")),
  failureBackoff: Config.all({
    base: unset(duration("SECRETS_CACHE_FAILURE_BACKOFF_BASE")),
    max: unset(duration("SECRETS_CACHE_FAILURE_BACKOFF_MAX"))
  }),
  secretIdLabel: unset(Config.Boolean("SECRETS_CACHE_SECRET_ID_LABEL")),
  traceHits: unset(Config.Boolean("SECRETS_CACHE_TRACE_HITS"))
}).pipe(
  Config.mapEffect((options) =>
    Result.match(resolve(options), {
      // The error names the variable the operator set, not the option in code.
      onFailure: (e) => {
        const variable = variables[e.option] ?? "SECRETS_CACHE_*"
        const message = `${variable} ${e.reason} (SecretsOptions.${e.option})`
        return Effect.fail(
          new Config.ConfigError(
            new Schema.SchemaError(new SchemaIssue.Pointer([variable], new SchemaIssue.InvalidValue({ message })))
          )
        )
      },
      onSuccess: () => Effect.succeed(options)
    })
  )
)

/**
 * The options' companion: `SecretsOptions.defaults`, `SecretsOptions.resolve` and `SecretsOptions.config`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const SecretsOptions = { defaults, resolve, config } as const
