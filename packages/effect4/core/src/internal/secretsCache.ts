/**
 * The Effect 4 shell over the cache policy (`@effect-secrets/policy`): the policy decides, this carries it out with
 * what only Effect can do.
 *
 * - A fresh entry is returned from the policy's table directly (the hit path: one `Map` lookup, one clock read, no
 *   allocation; for `yield*`, no run-loop step either: see `Read`).
 * - Everything else goes through a load: one `Load` per generation of a key, run by exactly one fiber of the service
 *   (the first caller claims it; every later caller joins that fiber). That is the whole in-flight table: a load is
 *   let go with its last waiter, so memory follows what is in flight and nothing else.
 * - Loads run in fibers the service owns (a `FiberSet` in the layer's scope), never on a caller's fiber: interrupting
 *   a caller interrupts only that caller's wait. Closing the layer interrupts loads and background refreshes.
 * - Spans, metrics, `changes` streams and batched answers for `prefetch` live here; deadlines, generations, LRU,
 *   backoff and what a load commits live in the policy.
 *
 * @internal
 */
import { CachePolicy } from "@effect-secrets/policy"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Random from "effect/Random"
import type * as Redacted from "effect/Redacted"
import type * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Utils from "effect/Utils"
import type { SecretsError, SecretStoreError } from "../SecretsError.js"
import {
  InvalidSecretId,
  isTransient,
  SecretDecodeError,
  SecretsMisconfigured,
  SecretsUnavailable
} from "../SecretsError.js"
import * as SecretsMetrics from "../SecretsMetrics.js"
import type { ResolvedSecretsOptions } from "../SecretsOptions.js"
import type { SecretsStats } from "../SecretsService.js"
import type { SecretStore } from "../SecretStore.js"
import type { SecretValue, VersionSelector } from "../SecretValue.js"
import { cacheKey, showId, validateRequest } from "./secretId.js"

/** @internal */
export interface SecretsCache {
  /** Reads a secret as one of its views: the prebuilt effects of a fresh entry are returned as they are. */
  readonly read: <K extends keyof Views>(
    view: K,
    secretId: string,
    options?: VersionSelector
  ) => Effect.Effect<Effect.Success<Views[K]>, SecretsError>
  readonly refresh: (secretId: string, options?: VersionSelector) => Effect.Effect<SecretValue, SecretsError>
  readonly prefetch: (
    secretIds: Iterable<string>
  ) => Effect.Effect<ReadonlyArray<Result.Result<SecretValue, SecretsError>>>
  readonly forceRefresh: (
    secretId: string,
    options: VersionSelector | undefined,
    minInterval: Duration.Duration
  ) => Effect.Effect<SecretValue, SecretsError>
  readonly changes: (secretId: string, options?: VersionSelector) => Stream.Stream<SecretValue>
  readonly invalidate: (secretId: string, options?: VersionSelector) => Effect.Effect<void>
  readonly invalidateAll: Effect.Effect<void>
  readonly stats: Effect.Effect<SecretsStats>
}

/**
 * What a caller can ask of a secret, built once per loaded version so a hit returns a ready effect (an `Exit`).
 *
 * @internal
 */
export interface Views {
  readonly value: Effect.Effect<SecretValue>
  readonly string: Effect.Effect<Redacted.Redacted<string>, SecretDecodeError>
  readonly binary: Effect.Effect<Redacted.Redacted<Uint8Array>, SecretDecodeError>
}

// The view that does not match the secret's kind fails; its error (and the stack it captures) is made when first
// asked for, not for every entry.
class LoadedViews implements Views {
  readonly value: Effect.Effect<SecretValue>
  private readonly own: Effect.Effect<Redacted.Redacted<string>> | Effect.Effect<Redacted.Redacted<Uint8Array>>
  private mismatch: Effect.Effect<never, SecretDecodeError> | undefined = undefined
  // Each view's iterator for the `yield*` fast path, built at its first fast hit.
  private readonly iterators: Partial<Record<keyof Views, ReadyIterator>> = {}
  constructor(readonly secret: SecretValue) {
    this.value = Effect.succeed(secret)
    this.own = Effect.succeed(secret.value) as LoadedViews["own"]
  }
  get string() {
    return (this.secret.kind === "string" ? this.own : this.failure()) as Views["string"]
  }
  get binary() {
    return (this.secret.kind === "binary" ? this.own : this.failure()) as Views["binary"]
  }
  iterator(view: keyof Views): ReadyIterator {
    return this.iterators[view] ??= new ReadyIterator(this[view] as Exit.Exit<unknown, unknown>)
  }
  private failure() {
    return this.mismatch ??= Effect.fail(
      new SecretDecodeError({
        secretId: this.secret.secretId,
        path: [],
        expected: this.secret.kind === "binary"
          ? "a SecretString (the secret is binary)"
          : "a SecretBinary (the secret is a string)"
      })
    )
  }
}

const viewsOf = (secret: SecretValue): LoadedViews => new LoadedViews(secret)

/**
 * What a `yield*` of a fresh view is handed: a prebuilt iterator over the view's `Exit`. JavaScript's `yield*` calls
 * `next` first with `undefined` (it gets the `Exit` itself, which Effect 4's generator runner takes without a run-loop
 * step: `fromIteratorUnsafe` reads a yielded Exit's value in place), then with the value the runner took from that
 * `Exit` (it gets that value back, as `yield*`'s result). It holds no state, so one serves every read of the entry by
 * any fiber, and a hit allocates nothing.
 */
class ReadyIterator {
  private readonly first: IteratorResult<unknown>
  private readonly last: IteratorResult<unknown>
  constructor(exit: Exit.Exit<unknown, unknown>) {
    this.first = { value: exit, done: false }
    this.last = { value: Exit.isSuccess(exit) ? exit.value : undefined, done: true }
  }
  next(value?: unknown): IteratorResult<unknown> {
    return value === undefined ? this.first : this.last
  }
  return(value?: unknown): IteratorResult<unknown> {
    return { value, done: true }
  }
  [Symbol.iterator]() {
    return this
  }
}

// TypeScript cannot follow a generic key into a record of effects; this is the one place that says it holds.
const pick = <K extends keyof Views>(views: Views, view: K) =>
  views[view] as unknown as Effect.Effect<Effect.Success<Views[K]>, SecretsError>

// What the policy keeps per key for this shell: the value with its views (built once, so a hit allocates nothing),
// the failure as its full cause, and the key's load in flight and metric attributes.
interface Loaded {
  readonly secret: SecretValue
  readonly views: LoadedViews
}
type Slot = CachePolicy.Slot<Loaded, Cause.Cause<SecretStoreError>, Attachment>
interface Attachment {
  load: Load
  // The metric context of the key (its `secret_id` attribute, if any): one per key, since Effect caches a metric's
  // series key by the identity of the attribute set.
  readonly metrics: Context.Context<never>
}

// One generation of a key's load. The first caller claims it (`fiber`); everyone else joins that fiber.
class Load {
  fiber: Fiber.Fiber<LoadResult> | undefined = undefined
  parent: Tracer.AnySpan | undefined = undefined // the span of the caller that started it
  constructor(readonly slot: Slot, readonly generation: number) {}
}

const superseded = Symbol("superseded")
type LoadResult = Exit.Exit<SecretValue, SecretStoreError> | typeof superseded

// The policy's name for a failure, from its error's tag (none: a defect of the store).
const tagOf = (cause: Cause.Cause<SecretStoreError>): string | undefined => {
  const error = Cause.findErrorOption(cause)
  return error._tag === "None" ? undefined : error.value._tag
}
const kindOf = (cause: Cause.Cause<SecretStoreError>) => CachePolicy.failureKindOf(tagOf(cause))

/** @internal */
export const make = (
  store: SecretStore.Service,
  options: ResolvedSecretsOptions,
  clock: Clock.Clock,
  random: Random.Random
): Effect.Effect<SecretsCache, never, Scope.Scope> =>
  Effect.gen(function*() {
    const nanos = (duration: Duration.Duration) => Duration.toMillis(duration) * 1e6
    // Monotonic time: Effect 4's `currentTimeNanos` is wall time, which an operator or NTP may step back.
    const now = (): number => Number(clock.monotonicTimeNanosUnsafe())
    const traceHits = options.traceHits
    // Metrics are updated outside any fiber (a hit runs no effect): they go to the registry and attributes of the
    // context the layer was built in.
    const context = yield* Effect.context<never>()
    const withAttributes = (metrics: Context.Context<never>, attributes: Record<string, string>) =>
      Context.add(metrics, Metric.CurrentMetricAttributes, {
        ...Context.get(metrics, Metric.CurrentMetricAttributes),
        ...attributes
      })

    // Subscribers of `changes`, by cache key, and the version last loaded for each watched key: it outlives the key's
    // slot, so a rotation is still seen after an invalidate or an eviction replaced it.
    const listeners = new Map<string, Set<Queue.Queue<SecretValue, Cause.Done>>>()
    const watchedVersions = new Map<string, string>()

    const policy = new CachePolicy.CachePolicy<Loaded, Cause.Cause<SecretStoreError>, Attachment>(
      {
        ttl: nanos(options.timeToLive),
        refreshAhead: options.refreshAhead,
        maxStale: nanos(options.maxStale),
        jitter: options.jitter,
        backoffBase: nanos(options.failureBackoff.base),
        backoffMax: nanos(options.failureBackoff.max),
        capacity: options.capacity
      },
      (slot) => ({
        load: new Load(slot, slot.generation),
        metrics: options.secretIdLabel ? withAttributes(context, { secret_id: slot.request.secretId }) : context
      }),
      (key) => watchedVersions.get(key),
      now()
    )

    // The key's current load: a new one once the last has committed (the policy moved the key's generation on).
    const currentLoad = (slot: Slot): Load => {
      const load = slot.attachment.load
      if (load.generation === slot.generation) return load
      const next = new Load(slot, slot.generation)
      slot.attachment.load = next
      return next
    }

    const counters = {
      hits: 0,
      misses: 0,
      loads: 0,
      loadFailures: 0,
      staleReads: 0,
      backgroundRefreshes: 0,
      evictions: 0
    }
    // Every event is counted twice: in this service's `stats`, and in the process-wide Effect Metric (SecretsMetrics).
    const labelled = (slot: Slot, name: string, value: string) =>
      withAttributes(slot.attachment.metrics, { [name]: value })
    const metrics = {
      hits: SecretsMetrics.hits,
      misses: SecretsMetrics.misses,
      loads: SecretsMetrics.loads,
      loadFailures: SecretsMetrics.loadFailures,
      staleReads: SecretsMetrics.staleReads,
      backgroundRefreshes: SecretsMetrics.backgroundRefreshes,
      evictions: SecretsMetrics.evictions
    } as const
    const count = (
      event: keyof typeof metrics,
      slot: Slot | undefined,
      metricContext = slot?.attachment.metrics ?? context
    ) => {
      counters[event]++
      metrics[event].updateUnsafe(1, metricContext)
    }
    const evicted = (slot: Slot | undefined, reason: CachePolicy.EvictionReason) => {
      if (slot !== undefined) count("evictions", slot, labelled(slot, "reason", reason))
    }

    // Closing the layer drops every value, ends every `changes` stream, and later reads fail loudly instead of
    // reading a dead service.
    let closed = false
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        policy.invalidateAll()
        for (const emits of listeners.values()) for (const emit of emits) Queue.endUnsafe(emit)
        listeners.clear()
      })
    )

    const fibers = yield* FiberSet.make()
    const run = yield* FiberSet.runtime(fibers)<never>()

    // Loads whose answer a prefetch batch brings instead of a store call of their own.
    const batchAnswers = new WeakMap<Load, Deferred.Deferred<SecretValue, SecretStoreError>>()

    const startLoad = (load: Load): Effect.Effect<LoadResult> =>
      Effect.suspend((): Effect.Effect<LoadResult> => {
        const slot = load.slot
        // Joined too late: the load this caller saw has committed already; its result is in the key's state.
        if (!policy.isCurrent(slot, load.generation)) return Effect.succeed(superseded)
        count("loads", slot)
        const startedAt = now()
        const answer = batchAnswers.get(load)
        const attributes = { "secret.id": slot.request.secretId }
        // Taken, not kept: an ended span holds its exit, and so the value it returned.
        const parent = load.parent
        load.parent = undefined
        const call = answer === undefined
          ? Effect.withSpan(Effect.suspend(() => store.fetch(slot.request)), "SecretStore.fetch", {
            attributes,
            captureStackTrace: false
          })
          : Deferred.await(answer)
        return Effect.flatMap(Effect.exit(call), (exit) => {
          const [draw, spread] = draws(load, exit, startedAt)
          batchAnswers.delete(load)
          commit(load, exit, startedAt, draw, spread)
          return Effect.as(
            Effect.annotateCurrentSpan(
              Exit.isSuccess(exit)
                ? { "secret.version_id": exit.value.versionId, "load.outcome": "success" }
                : { "load.outcome": failureTag(exit.cause) }
            ),
            exit
          )
        }).pipe(
          // Loads run in the service's fibers; their span hangs under the span of the caller that started them.
          Effect.withSpan("SecretsService.load", {
            attributes: { ...attributes, "load.batched": answer !== undefined },
            ...(parent === undefined ? {} : { parent })
          }, { captureStackTrace: false })
        )
      })

    // The draws a commit needs: the jitter of the TTL, and the start-up spread's when the policy says it spreads.
    // Drawn only when used, so a fixed `Random` in a test sees one draw per load otherwise.
    const draws = (
      load: Load,
      exit: Exit.Exit<SecretValue, SecretStoreError>,
      startedAt: number
    ): readonly [number, number] => {
      const draw = random.nextDoubleUnsafe()
      return Exit.isSuccess(exit) && policy.spreads(load.slot, load.generation, startedAt)
        ? [draw, random.nextDoubleUnsafe()]
        : [draw, 1]
    }

    // A key whose load committed gets its next generation's load now: the finished one (its fiber, and so its value
    // and its runtime) is let go instead of being kept with every entry.
    const released = (slot: Slot) => {
      slot.attachment.load = new Load(slot, slot.generation)
    }

    // Hands a finished load to the policy, and carries out what it decided: `changes`, metrics, evictions.
    const commit = (
      load: Load,
      exit: Exit.Exit<SecretValue, SecretStoreError>,
      startedAt: number,
      draw: number,
      spread: number
    ) => {
      const slot = load.slot
      if (Exit.isSuccess(exit)) {
        const secret = exit.value
        const done = policy.commitSuccess(
          slot,
          load.generation,
          { secret, views: viewsOf(secret) },
          secret.versionId,
          startedAt,
          draw,
          spread
        )
        if (done._tag === "Superseded") return
        released(slot)
        if (listeners.has(slot.key)) watchedVersions.set(slot.key, secret.versionId)
        if (done.rotated) { for (const listener of listeners.get(slot.key) ?? []) Queue.offerUnsafe(listener, secret) }
        SecretsMetrics.loadDuration.updateUnsafe((now() - startedAt) / 1e9, slot.attachment.metrics)
        return
      }
      if (Exit.hasInterrupts(exit)) return policy.commitInterrupted(slot, load.generation)
      const done = policy.commitFailure(slot, load.generation, exit.cause, kindOf(exit.cause), now())
      if (done._tag === "Superseded") return
      released(slot)
      SecretsMetrics.loadDuration.updateUnsafe((now() - startedAt) / 1e9, slot.attachment.metrics)
      count("loadFailures", slot, labelled(slot, "error", failureTag(exit.cause)))
      if (done.evicted) evicted(slot, "revoked")
    }

    // Rule "one load per key": the first caller claims the load and runs it in a fiber of the service; every other
    // caller joins that fiber (an interruptible wait of its own, nothing more). A caller of a load that has committed
    // meanwhile gets that load's own result.
    const loadInBackground = (load: Load, parent?: Tracer.AnySpan): Fiber.Fiber<LoadResult> => {
      if (load.fiber !== undefined) return load.fiber
      load.parent = parent
      load.fiber = run(startLoad(load))
      return load.fiber
    }

    // Awaited, not joined: a waiter takes the load's result and nothing else of the load fiber.
    const awaitLoad = (load: Load, parent?: Tracer.AnySpan): Effect.Effect<LoadResult> =>
      Effect.flatten(Fiber.await(loadInBackground(load, parent)))

    // Rule "stale-if-error", carried out: the previous value, counted as a stale read, or the failure.
    const settle = (slot: Slot, cause: Cause.Cause<SecretStoreError>): Effect.Effect<Views, SecretsError> => {
      const settled = policy.settle(slot, kindOf(cause), now())
      if (settled._tag === "Stale") {
        count("staleReads", slot)
        return Effect.as(Effect.annotateCurrentSpan("cache.outcome", "stale"), settled.entry.value.views)
      }
      if (settled.expired) evicted(slot, "expired")
      return Effect.failCause(cause)
    }

    // After a load: its own result or, when the load had committed before this caller joined it, the key's state
    // (a remembered failure means the last load failed; otherwise the entry is the last load's value).
    const afterLoad = (
      slot: Slot,
      result: LoadResult,
      onFailure: (slot: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.Effect<Views, SecretsError>,
      again: () => Effect.Effect<Views, SecretsError>
    ): Effect.Effect<Views, SecretsError> => {
      if (result !== superseded) {
        if (Exit.isFailure(result)) return onFailure(slot, result.cause)
        // Every waiter of a committed load shares the entry's views; a discarded load's waiters get their own.
        const entry = slot.entry
        return Effect.succeed(
          entry !== undefined && entry.value.secret === result.value ? entry.value.views : viewsOf(result.value)
        )
      }
      return fromKeyNow(slot, onFailure, again)
    }

    // What a caller answered late gets from the key now (`policy.answerNow`): its fresh value, its remembered failure
    // (as `onFailure` makes it), or `otherwise`.
    const fromKeyNow = (
      slot: Slot,
      onFailure: (slot: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.Effect<Views, SecretsError>,
      otherwise: () => Effect.Effect<Views, SecretsError>
    ): Effect.Effect<Views, SecretsError> => {
      switch (policy.answerNow(slot, now())) {
        case "Fresh":
          return Effect.succeed(slot.entry!.value.views)
        case "Remembered":
          return onFailure(slot, slot.failure!.error)
        case "Load":
          return otherwise()
      }
    }

    // The fast path, for `yield*`: the prebuilt view of an entry the policy calls ready (fresh, not due for
    // refresh-ahead), or `undefined` when the ordinary read must decide (a miss, refresh-ahead, traced hits, a closed
    // service). A ready entry is a plain hit: counted and stamped exactly as `read` does.
    let fastHits = 0
    const ready = <K extends keyof Views>(view: K, secretId: string, options: VersionSelector | undefined) => {
      if (closed || traceHits) return undefined
      const slot = policy.ready(secretId, options, now())
      if (slot === undefined) return undefined
      count("hits", slot)
      const views = slot.entry!.value.views
      // Effect's generator takes an Exit without a run-loop step, so without a chance to be interrupted or to let
      // other fibers run: one hit in 1024 yields first, as the run loop would have about that often.
      return (++fastHits & 1023) === 0
        ? new Utils.SingleShotGen(Effect.andThen(Effect.yieldNow, pick(views, view)))
        : views.iterator(view)
    }

    // A read, as the policy decides it.
    const read = <K extends keyof Views>(
      view: K,
      secretId: string,
      options: VersionSelector | undefined
    ): Effect.Effect<Effect.Success<Views[K]>, SecretsError> => {
      const decision = policy.read(secretId, options, now())
      switch (decision._tag) {
        case "Hit": {
          const { entry, slot } = decision
          count("hits", slot)
          if (decision.refresh) {
            // Rule "refresh-ahead", traced under the reader's span.
            return Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parent) => {
              refreshInBackground(slot, Option.getOrUndefined(parent))
              return traced(pick(entry.value.views, view), secretId, "refresh-ahead", traceHits)
            })
          }
          return traceHits
            ? traced(pick(entry.value.views, view), secretId, "hit", true)
            : pick(entry.value.views, view)
        }
        case "Remembered": {
          count("misses", decision.slot)
          const settled = Effect.flatMap(settle(decision.slot, decision.failure.error), (views) => pick(views, view))
          return traced(settled, secretId, "failure-remembered", true)
        }
        case "Load": {
          evicted(decision.evicted, "capacity")
          count("misses", decision.slot)
          const loaded = Effect.flatMap(
            joinThen(decision.slot, settle, () => load.again(secretId, options)),
            (views) => pick(views, view)
          )
          // The read that starts the load is traced (the load's span hangs under it); a read that joins a load in
          // flight only waits for it, and is traced like a hit: a stampede of 10,000 makes one span, not 10,000.
          return currentLoad(decision.slot).fiber === undefined
            ? traced(loaded, secretId, "miss", true)
            : traced(loaded, secretId, "join", traceHits)
        }
        case "Invalid": {
          count("misses", undefined)
          const invalid = Effect.fail(new InvalidSecretId({ secretId: decision.shown, reason: decision.reason }))
          return traced(invalid, secretId, "miss", true)
        }
      }
    }

    const refreshInBackground = (slot: Slot, parent: Tracer.AnySpan | undefined) => {
      const load = currentLoad(slot)
      if (load.fiber === undefined) count("backgroundRefreshes", slot)
      loadInBackground(load, parent).addObserver(() => policy.refreshEnded(slot))
    }

    // Joins (or starts) the key's current load; `onFailure` decides what a failed load becomes for this caller.
    const joinThen = (
      slot: Slot,
      onFailure: (slot: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.Effect<Views, SecretsError>,
      again: () => Effect.Effect<Views, SecretsError>
    ) =>
      Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parent) =>
        Effect.flatMap(
          awaitLoad(currentLoad(slot), Option.getOrUndefined(parent)),
          (result) => afterLoad(slot, result, onFailure, again)
        ))

    // A load for this id. When the key went away while waiting (invalidated, evicted), the key that replaced it
    // answers as a read would: its fresh value, its failure inside its window, or its load (joined or started).
    const loadThen = (
      onFailure: (slot: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.Effect<Views, SecretsError>
    ) => {
      const withSlot = (
        secretId: string,
        options: VersionSelector | undefined,
        late: boolean,
        then: (slot: Slot) => Effect.Effect<Views, SecretsError>
      ): Effect.Effect<Views, SecretsError> =>
        Effect.suspend(() => {
          const decision = late ? policy.current(secretId, options) : policy.slotFor(secretId, options)
          if (decision._tag === "Invalid") {
            return Effect.fail(new InvalidSecretId({ secretId: decision.shown, reason: decision.reason }))
          }
          if (decision._tag !== "Load") return Effect.die(new Error("unreachable: slotFor answers Load or Invalid"))
          evicted(decision.evicted, "capacity")
          return then(decision.slot)
        })
      const again = (secretId: string, options: VersionSelector | undefined): Effect.Effect<Views, SecretsError> =>
        withSlot(secretId, options, true, (slot) =>
          fromKeyNow(slot, onFailure, () => {
            policy.used(slot) // a late answer that must load is a read of the key
            return joinThen(slot, onFailure, () => again(secretId, options))
          }))
      return Object.assign(
        (secretId: string, options: VersionSelector | undefined) =>
          withSlot(secretId, options, false, (slot) => joinThen(slot, onFailure, () => again(secretId, options))),
        { again }
      )
    }
    const load = loadThen(settle)
    // An explicit refresh reports a failure as it is; the entry keeps its value through a transient one.
    const refresh = loadThen(failWith)

    // Answers one chunk of batched loads with one `fetchBatch` call, or single fetches where the store has no batch
    // read or the batch is not permitted. Every answer is delivered whatever happens (a defect of the batch too), so
    // no load waits forever and one chunk's failure never interrupts another chunk.
    const answerChunk = (loads: ReadonlyArray<Load>): Effect.Effect<void> => {
      const deliver = (load: Load, exit: Exit.Exit<SecretValue, SecretStoreError>) => {
        const answer = batchAnswers.get(load)
        return answer === undefined ? Effect.void : Deferred.done(answer, exit)
      }
      const singles = (loads: ReadonlyArray<Load>) =>
        Effect.forEach(
          loads,
          (load) =>
            Effect.flatMap(
              Effect.exit(Effect.suspend(() => store.fetch(load.slot.request))),
              (exit) => deliver(load, exit)
            ),
          { concurrency: Math.max(1, loads.length), discard: true }
        )
      const fetchBatch = store.fetchBatch
      const work = fetchBatch === undefined
        ? singles(loads)
        : Effect.matchCauseEffect(Effect.suspend(() => fetchBatch(loads.map((load) => load.slot.request.secretId))), {
          onFailure: (cause) => {
            // Rule "batch fallback", as the policy says: each secret fails alike, or each is read alone.
            if (CachePolicy.batchFailure(tagOf(cause)) === "ReadAlone") return singles(loads)
            const error = Cause.findErrorOption(cause)
            const failure =
              error._tag === "Some" && (isTransient(error.value) || error.value._tag === "SecretsMisconfigured")
                ? error.value
                : undefined
            return Effect.forEach(
              loads,
              (load) =>
                deliver(
                  load,
                  failure === undefined
                    ? Exit.failCause(cause) // a defect of the batch: each secret's store defect
                    : Exit.fail(renamed(failure, load.slot.request.secretId))
                ),
              { discard: true }
            )
          },
          onSuccess: (answers) => {
            // Rule "exact answers": an answer reaches a load only when it is that very id's; a missing answer, or one
            // about another secret, is read alone (never taken as "not found": that would evict a good value).
            const alone: Array<Load> = []
            const answered: Array<readonly [Load, Exit.Exit<SecretValue, SecretStoreError>]> = []
            for (const load of loads) {
              const requested = load.slot.request.secretId
              const exit = answers.get(requested)
              if (
                exit === undefined ||
                (Exit.isSuccess(exit) && !CachePolicy.answersRequest(requested, exit.value.secretId))
              ) {
                alone.push(load)
              } else {
                answered.push([load, exit])
              }
            }
            return Effect.andThen(
              Effect.forEach(answered, ([load, exit]) => deliver(load, exit), { discard: true }),
              singles(alone)
            )
          }
        })
      return Effect.onExit(work, () =>
        Effect.forEach(loads, (load) => {
          const answer = batchAnswers.get(load)
          return answer === undefined ? Effect.void : Deferred.interrupt(answer)
        }, { discard: true }))
    }

    // Rule "prefetch": warms the cache. Secrets with a fresh entry or a load in flight are left alone; the others are
    // loaded as usual (so readers join them), their store calls made together, a chunk of `batchSize` per call. A
    // chunk takes its secrets when its call starts, not before: a reader of a secret whose chunk has not started
    // makes its own single read instead of waiting behind other chunks, so nobody waits longer than a single read.
    const prefetch = (secretIds: Iterable<string>) =>
      Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parentSpan) => {
        // Untyped callers: a list that is not one is a bug in the caller, said plainly.
        if (typeof (secretIds as Partial<Iterable<string>> | null)?.[Symbol.iterator] !== "function") {
          return Effect.die(new Error("SecretsService.prefetch takes an iterable of secret ids"))
        }
        const parent = Option.getOrUndefined(parentSpan)
        const entries: Array<
          readonly [string, CachePolicy.ReadDecision<Loaded, Cause.Cause<SecretStoreError>, Attachment>]
        > = []
        const at = now()
        for (const secretId of secretIds) {
          const decision = policy.slotFor(secretId, undefined)
          if (decision._tag === "Load") evicted(decision.evicted, "capacity")
          entries.push([secretId, decision])
        }
        const slots = entries.flatMap(([, decision]) => decision._tag === "Load" ? [decision.slot] : [])
        const limits = CachePolicy.prefetchLimits(store.batchSize, store.fetchBatch !== undefined)
        const chunks = policy.planPrefetch(slots, at, (slot) => currentLoad(slot).fiber !== undefined, limits.size)
        // What answers each cold key, as found when its chunk started: the batch's own answer, or a reader's load.
        const claims = new Map<Slot, Deferred.Deferred<SecretValue, SecretStoreError> | Load>()
        const claim = (slots: ReadonlyArray<Slot>): ReadonlyArray<Load> => {
          const batch: Array<Load> = []
          const at = now()
          // A key evicted meanwhile (a prefetch of more than `capacity`) is still read in the batch: its answer goes
          // to the prefetch's result, not to the cache.
          for (const slot of slots) {
            if (!policy.isCold(slot, at)) continue
            const current = currentLoad(slot)
            if (current.fiber !== undefined) { // a reader got there first: its read answers
              claims.set(slot, current)
              continue
            }
            const answer = Deferred.makeUnsafe<SecretValue, SecretStoreError>()
            batchAnswers.set(current, answer)
            claims.set(slot, answer)
            batch.push(current)
            loadInBackground(current, parent)
          }
          return batch
        }
        const concurrency = limits.concurrency
        // The first wave is claimed now, so a reader that comes right after this call joins it; the rest on start.
        const firstWave = chunks.slice(0, concurrency).map(claim)
        const work = run(
          Effect.forEach(chunks, (chunk, i) =>
            Effect.suspend(() => {
              const batch = i < concurrency ? firstWave[i]! : claim(chunk)
              return batch.length === 0 ? Effect.void : answerChunk(batch)
            }), { concurrency, discard: true })
        )
        // The caller waits for the chunks, then reads each secret's outcome; interrupting it stops only its wait.
        const outcome = (
          secretId: string,
          decision: CachePolicy.ReadDecision<Loaded, Cause.Cause<SecretStoreError>, Attachment>
        ): Effect.Effect<Views, SecretsError> => {
          if (decision._tag === "Invalid") {
            return Effect.fail(new InvalidSecretId({ secretId: decision.shown, reason: decision.reason }))
          }
          const slot = decision.slot
          const claimed = claims.get(slot)
          // The batch's answer itself, kept here: the key may be gone by now (evicted at capacity, invalidated), and
          // reading it again would be a second store call for an answer already in hand.
          const settled: Effect.Effect<LoadResult> = claimed === undefined
            ? Effect.succeed(superseded) // fresh, failing, or loading when the prefetch began: the key says which
            : claimed instanceof Load
            ? awaitLoad(claimed)
            : Effect.map(Effect.exit(Deferred.await(claimed)), (exit) => Exit.hasInterrupts(exit) ? superseded : exit)
          return Effect.flatMap(
            settled,
            (result) => afterLoad(slot, result, settle, () => load.again(secretId, undefined))
          )
        }
        return Effect.andThen(
          Fiber.await(work),
          Effect.forEach(entries, ([secretId, decision]) =>
            outcome(secretId, decision).pipe(
              Effect.flatMap((views) => views.value),
              // A store defect is ridden out like a transient failure by the cache; a prefetch reports it as one.
              Effect.catchDefect(() =>
                Effect.fail(
                  new SecretsUnavailable({
                    secretId: showId(secretId),
                    reason: "unavailable",
                    detail: "the store failed unexpectedly (a defect)"
                  })
                )
              ),
              Effect.result
            ), { concurrency: "unbounded" })
        )
      })

    const usedAfterClose = Effect.die(new Error("SecretsService was used after its layer was closed"))

    // Rule "forced refresh": after an auth failure. Callers join a load in flight; otherwise at most one store call
    // per key per `minInterval`, and inside it the answer is what the last forced refresh brought.
    const forceRefresh = (secretId: string, options: VersionSelector | undefined, minInterval: Duration.Duration) =>
      Effect.suspend(() => {
        const decision = policy.slotFor(secretId, options)
        if (decision._tag === "Invalid") {
          return Effect.fail(new InvalidSecretId({ secretId: decision.shown, reason: decision.reason }))
        }
        if (decision._tag !== "Load") return Effect.die(new Error("unreachable: slotFor answers Load or Invalid"))
        evicted(decision.evicted, "capacity")
        const slot = decision.slot
        if (currentLoad(slot).fiber !== undefined || policy.forceRefresh(slot, now(), nanos(minInterval))) {
          return Effect.flatMap(refresh(secretId, options), (views) => views.value)
        }
        const settled = afterLoad(slot, superseded, failWith, () => refresh.again(secretId, options))
        return Effect.flatMap(settled, (views) => views.value)
      })

    const changes = (secretId: string, options?: VersionSelector): Stream.Stream<SecretValue> =>
      Stream.callback<SecretValue>((emit) => {
        const key = cacheKey(secretId, options)
        // An invalid id or selector names no secret: nothing will ever change.
        if (closed || key === undefined || validateRequest(secretId, options)._tag === "Failure") {
          return Queue.end(emit)
        }
        const emits = listeners.get(key) ?? new Set()
        listeners.set(key, emits)
        emits.add(emit)
        const loaded = policy.get(key)?.lastVersionId
        if (loaded !== undefined && !watchedVersions.has(key)) watchedVersions.set(key, loaded)
        return Effect.addFinalizer(() =>
          Effect.sync(() => {
            emits.delete(emit)
            if (emits.size === 0 && listeners.get(key) === emits) {
              listeners.delete(key)
              watchedVersions.delete(key)
            }
          })
        )
      })

    const reader: Reader = {
      ready: ready as Reader["ready"],
      read: (view, secretId, options) => closed ? usedAfterClose : read(view, secretId, options)
    }

    return {
      read: (view, secretId, options) => new Read(reader, view, secretId, options),
      prefetch: (secretIds) => Effect.suspend(() => closed ? usedAfterClose : prefetch(secretIds)),
      forceRefresh: (secretId, options, minInterval) =>
        Effect.suspend(() => closed ? usedAfterClose : forceRefresh(secretId, options, minInterval)),
      changes,
      refresh: (secretId, options) =>
        Effect.suspend(() =>
          closed ? usedAfterClose : Effect.flatMap(refresh(secretId, options), (views) => views.value)
        ),
      invalidate: (secretId, options) => Effect.sync(() => policy.invalidate(secretId, options)),
      invalidateAll: Effect.sync(() => policy.invalidateAll()),
      stats: Effect.sync(() => ({ ...counters, size: policy.size }))
    }
  })

const failWith = (_: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.failCause(cause)

interface Reader {
  readonly ready: (
    view: keyof Views,
    secretId: string,
    options: VersionSelector | undefined
  ) => Iterator<unknown, unknown, unknown> | undefined
  readonly read: (
    view: keyof Views,
    secretId: string,
    options: VersionSelector | undefined
  ) => Effect.Effect<unknown, SecretsError>
}

/**
 * One read of a secret, as `get` and its siblings return it: an ordinary lazy effect (each run reads the cache anew,
 * so an effect built once and run again sees expiry, rotation and invalidation), whose iterator also looks at the
 * cache when a `yield*` runs it. A fresh entry then answers with its prebuilt view, an `Exit`, which Effect's
 * generator takes without a run-loop step; anything else yields the ordinary effect. `pipe`, `flatMap` and
 * `runPromise` only ever see the ordinary effect.
 */
class Read<A> extends Effectable.Class<A, SecretsError> {
  constructor(
    readonly reader: Reader,
    readonly view: keyof Views,
    readonly secretId: string,
    readonly options: VersionSelector | undefined
  ) {
    super()
  }
  asEffect(): Effect.Effect<A, SecretsError> {
    return this.reader.read(this.view, this.secretId, this.options) as Effect.Effect<A, SecretsError>
  }
  override [Symbol.iterator](): Effect.EffectIterator<Effect.Effect<A, SecretsError>> {
    return (this.reader.ready(this.view, this.secretId, this.options) ?? new Utils.SingleShotGen(this)) as never
  }
}

// A batch's failure, told to one of its secrets: the same error, naming that secret (every field kept: a reason, a
// credentials detail).
const renamed = (error: SecretsUnavailable | SecretsMisconfigured, secretId: string) =>
  error._tag === "SecretsUnavailable"
    ? new SecretsUnavailable({ secretId, reason: error.reason, detail: error.detail })
    : new SecretsMisconfigured({ secretId, reason: error.reason })

// A read's span: the secret id (cut short: an id not yet validated could be anything pasted) and how the cache
// answered, never a value.
const traced = <A, E>(effect: Effect.Effect<A, E>, secretId: string, outcome: string, on: boolean) =>
  on
    ? Effect.withSpan(effect, "SecretsService.get", {
      attributes: {
        "secret.id": showId(secretId),
        "cache.outcome": outcome
      },
      // The call site would be this module, which tells a trace reader nothing, and capturing it costs microseconds.
      captureStackTrace: false
    })
    : effect

// How a failed load is counted: by the error's tag, or "Defect" for a store that died.
const failureTag = (cause: Cause.Cause<SecretStoreError>): string => {
  const error = Cause.findErrorOption(cause)
  return error._tag === "Some" ? error.value._tag : "Defect"
}
