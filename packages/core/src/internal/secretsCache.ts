/**
 * The cache policy, top to bottom. Each rule carries the name the README gives it.
 *
 * - Entries live in a `Map` keyed by secret id and version selector. A fresh entry is returned from it directly
 *   (the hit path: one `Map` lookup, one clock read, no allocation; for `yield*`, no run-loop step either).
 * - Everything else goes through a load: one `Load` per generation of a slot, run by exactly one fiber of the service
 *   (the first caller claims it; every later caller joins that fiber). That is the whole in-flight table: a load is
 *   let go with its last waiter, so memory follows what is in flight and nothing else.
 * - Loads run in fibers the service owns (a `FiberSet` in the layer's scope), never on a caller's fiber: interrupting
 *   a caller interrupts only that caller's wait. Closing the layer interrupts loads and background refreshes.
 * - A load commits its result to its slot only if it is still the slot's current load and the slot is still in the
 *   map (generations): an older load never overwrites what a newer one, an `invalidate` or an eviction did.
 *
 * @internal
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import type * as Random from "effect/Random"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as StreamEmit from "effect/StreamEmit"
import * as Tracer from "effect/Tracer"
import * as Utils from "effect/Utils"
import type { SecretsError, SecretStoreError } from "../SecretsError.js"
import { isTransient, SecretDecodeError, SecretsMisconfigured, SecretsUnavailable } from "../SecretsError.js"
import * as SecretsMetrics from "../SecretsMetrics.js"
import type { ResolvedSecretsOptions } from "../SecretsOptions.js"
import type { SecretsStats } from "../SecretsService.js"
import type { SecretStore } from "../SecretStore.js"
import type { SecretRequest, SecretValue, VersionSelector } from "../SecretValue.js"
import { cacheKey, sameRequest, showId, validateRequest } from "./secretId.js"

/** @internal */
export interface SecretsCache {
  /** Reads a secret as one of its views: the prebuilt effects of a fresh entry are returned as they are. */
  readonly read: <K extends keyof Views>(
    view: K,
    secretId: string,
    options?: VersionSelector
  ) => Effect.Effect<Effect.Effect.Success<Views[K]>, SecretsError>
  readonly refresh: (secretId: string, options?: VersionSelector) => Effect.Effect<SecretValue, SecretsError>
  readonly prefetch: (
    secretIds: Iterable<string>
  ) => Effect.Effect<ReadonlyArray<Either.Either<SecretValue, SecretsError>>>
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
 * What a caller can ask of a secret, built once per loaded version so a hit returns a ready effect.
 *
 * @internal
 */
export interface Views {
  readonly value: Effect.Effect<SecretValue>
  readonly string: Effect.Effect<Redacted.Redacted<string>, SecretDecodeError>
  readonly binary: Effect.Effect<Redacted.Redacted<Uint8Array>, SecretDecodeError>
}

const viewsOf = (secret: SecretValue): Views => ({
  value: Effect.succeed(secret),
  string: secret.kind === "string"
    ? Effect.succeed(secret.value)
    : Effect.fail(
      new SecretDecodeError({ secretId: secret.secretId, path: [], expected: "a SecretString (the secret is binary)" })
    ),
  binary: secret.kind === "binary"
    ? Effect.succeed(secret.value)
    : Effect.fail(
      new SecretDecodeError({
        secretId: secret.secretId,
        path: [],
        expected: "a SecretBinary (the secret is a string)"
      })
    )
})

// TypeScript cannot follow a generic key into a record of effects; this is the one place that says it holds.
const pick = <K extends keyof Views>(views: Views, view: K) =>
  views[view] as unknown as Effect.Effect<Effect.Effect.Success<Views[K]>, SecretsError>

// Deadlines are monotonic nanoseconds (`Clock.currentTimeNanos`), never wall time: a wall-clock step back must not
// extend a TTL.
interface Entry {
  readonly secret: SecretValue
  readonly views: Views // built once, so a hit allocates nothing
  readonly refreshAt: number
  readonly expiresAt: number
  readonly staleUntil: number
}

interface Failure {
  readonly cause: Cause.Cause<SecretStoreError>
  readonly retryAt: number
}

class Slot {
  entry: Entry | undefined = undefined
  failure: Failure | undefined = undefined
  consecutiveFailures = 0
  refreshing = false
  lastUsed = 0
  lastForcedAt: number | undefined = undefined // when a forced refresh last went to the store
  lastVersionId: string | undefined = undefined // the version last loaded, to tell a rotation from a reload
  load: Load
  constructor(
    readonly key: string,
    readonly request: SecretRequest,
    readonly labels: ReadonlyArray<MetricLabel.MetricLabel> // one array per slot: Effect caches metric hooks by it
  ) {
    this.load = new Load(this)
  }
}

// One generation of a slot: the key of the `Cache` that deduplicates its load. A slot gets a new `Load` each time a
// load commits, so a finished load is never joined again.
class Load {
  fiber: Fiber.RuntimeFiber<LoadResult> | undefined = undefined // set by the first caller: the load is claimed
  parent: Tracer.AnySpan | undefined = undefined // the span of the caller that started it
  constructor(readonly slot: Slot) {}
}

const superseded = Symbol("superseded")
type LoadResult = Exit.Exit<SecretValue, SecretStoreError> | typeof superseded

/** @internal */
export const make = (
  store: SecretStore.Service,
  options: ResolvedSecretsOptions,
  clock: Clock.Clock,
  random: Random.Random
): Effect.Effect<SecretsCache, never, Scope.Scope> =>
  Effect.gen(function*() {
    const ttl = Duration.toMillis(options.timeToLive) * 1e6
    const maxStale = Duration.toMillis(options.maxStale) * 1e6
    const backoffBase = Duration.toMillis(options.failureBackoff.base) * 1e6
    const backoffMax = Duration.toMillis(options.failureBackoff.max) * 1e6
    const now = (): number => Number(clock.unsafeCurrentTimeNanos())
    const traceHits = options.traceHits

    const slots = new Map<string, Slot>()
    let tick = 0 // recency for LRU: a hit stamps its slot, eviction takes the smallest stamp
    const counters = {
      hits: 0,
      misses: 0,
      loads: 0,
      loadFailures: 0,
      staleReads: 0,
      backgroundRefreshes: 0,
      evictions: 0
    }

    // Subscribers of `changes`, by cache key, and the version last loaded for each watched key: it outlives the slot,
    // so a rotation is still seen after an invalidate or an eviction replaced the slot.
    const listeners = new Map<string, Set<StreamEmit.Emit<never, never, SecretValue, void>>>()
    const watchedVersions = new Map<string, string>()

    // Closing the layer drops every value, ends every `changes` stream, and later reads fail loudly instead of
    // reading a dead service.
    let closed = false
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        for (const slot of slots.values()) slot.entry = undefined
        slots.clear()
        for (const emits of listeners.values()) for (const emit of emits) emit.end()
        listeners.clear()
      })
    )
    // Every event is counted twice: in this service's `stats`, and in the process-wide Effect Metric (SecretsMetrics).
    const noLabels: ReadonlyArray<MetricLabel.MetricLabel> = []
    const labelled = (slot: Slot, name: string, value: string) => [...slot.labels, MetricLabel.make(name, value)]
    const metrics = {
      hits: SecretsMetrics.hits,
      misses: SecretsMetrics.misses,
      loads: SecretsMetrics.loads,
      loadFailures: SecretsMetrics.loadFailures,
      staleReads: SecretsMetrics.staleReads,
      backgroundRefreshes: SecretsMetrics.backgroundRefreshes,
      evictions: SecretsMetrics.evictions
    } as const
    const count = (event: keyof typeof metrics, slot: Slot | undefined, labels = slot?.labels ?? noLabels) => {
      counters[event]++
      metrics[event].unsafeUpdate(1, labels)
    }

    const fibers = yield* FiberSet.make()
    const run = yield* FiberSet.runtime(fibers)<never>()

    // Loads whose answer a prefetch batch brings instead of a store call of their own.
    const batchAnswers = new WeakMap<Load, Deferred.Deferred<SecretValue, SecretStoreError>>()

    const startLoad = (load: Load): Effect.Effect<LoadResult> =>
      Effect.suspend((): Effect.Effect<LoadResult> => {
        const slot = load.slot
        // Joined too late: the load this caller saw has committed already; its result is in the slot.
        if (slot.load !== load || slots.get(slot.key) !== slot) return Effect.succeed(superseded)
        count("loads", slot)
        const startedAt = now()
        const answer = batchAnswers.get(load)
        const attributes = { "secret.id": slot.request.secretId }
        // Taken, not kept: an ended span holds its exit, and so the value it returned.
        const parent = load.parent
        load.parent = undefined
        const call = answer === undefined
          ? Effect.withSpan(store.fetch(slot.request), "SecretStore.fetch", { attributes })
          : Deferred.await(answer)
        return Effect.flatMap(Effect.exit(call), (exit) =>
          Effect.flatMap(draws(load, exit), ([draw, spread]) => {
            commit(load, exit, startedAt, draw, spread)
            return Effect.as(
              Effect.annotateCurrentSpan(
                Exit.isSuccess(exit)
                  ? { "secret.version_id": exit.value.versionId, "load.outcome": "success" }
                  : { "load.outcome": failureTag(exit.cause) }
              ),
              exit
            )
          })).pipe(
            // Loads run in the service's fibers; their span hangs under the span of the caller that started them.
            Effect.withSpan("SecretsService.load", {
              attributes: { ...attributes, "load.batched": answer !== undefined },
              ...(parent === undefined ? {} : { parent })
            })
          )
      })

    // Rule "one load per key": the first caller claims the load and runs it in a fiber of the service; every other
    // caller joins that fiber (an interruptible wait of its own, nothing more). A caller of a load that has committed
    // meanwhile gets that load's own result.
    const loadInBackground = (load: Load, parent?: Tracer.AnySpan): Fiber.RuntimeFiber<LoadResult> => {
      if (load.fiber !== undefined) return load.fiber
      load.parent = parent
      load.fiber = run(startLoad(load))
      return load.fiber
    }

    const awaitLoad = (load: Load, parent?: Tracer.AnySpan): Effect.Effect<LoadResult> =>
      Fiber.join(loadInBackground(load, parent))

    // The draws a commit needs: the jitter of the TTL, and for a cold entry (rule "start-up spread") where its
    // refresh-ahead point falls. Drawn only when used, so a fixed `Random` in a test sees one draw per load otherwise.
    const draws = (load: Load, exit: Exit.Exit<SecretValue, SecretStoreError>) =>
      Effect.flatMap(random.next, (draw) =>
        Exit.isSuccess(exit) && spreads && load.slot.entry === undefined && load.slot.load === load
          ? Effect.map(random.next, (spread) =>
            [draw, spread] as const)
          : Effect.succeed([draw, 1] as const))
    const spreads = options.jitter > 0 && options.refreshAhead < 1

    const commit = (
      load: Load,
      exit: Exit.Exit<SecretValue, SecretStoreError>,
      startedAt: number,
      draw: number,
      spread: number
    ) => {
      const slot = load.slot
      batchAnswers.delete(load)
      if (slot.load !== load) {
        return
      }
      slot.load = new Load(slot)
      // Rule "generations": invalidated or evicted while loading; the result goes to the waiters only.
      if (slots.get(slot.key) !== slot) {
        return
      }
      if (Exit.isSuccess(exit)) {
        // Rule "changes": a load that finds another version than the last one is a rotation.
        const previous = slot.lastVersionId
        slot.lastVersionId = exit.value.versionId
        if (listeners.has(slot.key)) {
          watchedVersions.set(slot.key, exit.value.versionId)
        }
        if (previous !== undefined && previous !== exit.value.versionId) {
          for (const listener of listeners.get(slot.key) ?? []) {
            listener.single(exit.value)
          }
        }
        // Rule "jitter": this entry's TTL is drawn in [ttl * (1 - jitter), ttl].
        const lifetime = ttl * (1 - options.jitter * draw)
        // Rule "start-up spread": an entry that replaces no value (a cold key: every key of a process that just
        // started) has its refresh-ahead point drawn in [0, refreshAhead) of its lifetime, so processes started
        // together refresh at spread-out times from the first round on, instead of in waves for hours.
        const refreshAfter = lifetime * options.refreshAhead * (slot.entry === undefined ? spread : 1)
        // Rule "TTL": the age counts from when the store call started: the value is no older than that.
        slot.entry = {
          secret: exit.value,
          views: viewsOf(exit.value),
          refreshAt: startedAt + refreshAfter,
          expiresAt: startedAt + lifetime,
          staleUntil: startedAt + lifetime + maxStale
        }
        slot.failure = undefined
        slot.consecutiveFailures = 0
        SecretsMetrics.loadDuration.unsafeUpdate((now() - startedAt) / 1e9, slot.labels)
        return
      }
      if (Exit.isInterrupted(exit)) {
        return
      }
      SecretsMetrics.loadDuration.unsafeUpdate((now() - startedAt) / 1e9, slot.labels)
      count("loadFailures", slot, labelled(slot, "error", failureTag(exit.cause)))
      slot.consecutiveFailures++
      // Rule "failure backoff": a failure is remembered for base * 2^(n-1), at most max, never for the TTL.
      const backoff = Math.min(backoffMax, backoffBase * 2 ** (slot.consecutiveFailures - 1))
      slot.failure = { cause: exit.cause, retryAt: now() + backoff }
      // Rule "evict on revocation": not found, denied or rejected drops the value at once. A transient failure, or a
      // defect of the store, keeps it for stale-if-error.
      if (isRevocation(exit.cause) && slot.entry !== undefined) {
        slot.entry = undefined
        count("evictions", slot, labelled(slot, "reason", "revoked"))
      }
    }

    // Rule "stale-if-error": a failure that is not a revocation (transient, or a defect of the store) is answered
    // with the previous value until TTL + maxStale.
    const settle = (slot: Slot, cause: Cause.Cause<SecretStoreError>): Effect.Effect<Views, SecretsError> => {
      const entry = slot.entry
      if (entry !== undefined && slots.get(slot.key) === slot && !isRevocation(cause)) {
        if (now() < entry.staleUntil) {
          count("staleReads", slot)
          return Effect.as(Effect.annotateCurrentSpan("cache.outcome", "stale"), entry.views)
        }
        slot.entry = undefined // past maxStale: no longer worth keeping
        count("evictions", slot, labelled(slot, "reason", "expired"))
      }
      return Effect.failCause(cause)
    }

    // After a load: its own result or, when the load had committed before this caller joined it, the slot's state
    // (a remembered failure means the last load failed; otherwise the entry is the last load's value).
    const afterLoad = (
      slot: Slot,
      result: LoadResult,
      onFailure: (slot: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.Effect<Views, SecretsError>,
      again: () => Effect.Effect<Views, SecretsError>
    ): Effect.Effect<Views, SecretsError> => {
      if (result !== superseded) {
        if (Exit.isFailure(result)) {
          return onFailure(slot, result.cause)
        }
        // Every waiter of a committed load shares the entry's views; a discarded load's waiters get their own.
        const entry = slot.entry
        return Effect.succeed(
          entry !== undefined && entry.secret === result.value ? entry.views : viewsOf(result.value)
        )
      }
      if (slots.get(slot.key) !== slot) {
        return again()
      }
      if (slot.failure !== undefined) {
        return onFailure(slot, slot.failure.cause)
      }
      return slot.entry !== undefined ? Effect.succeed(slot.entry.views) : again()
    }

    // Rule "refresh-ahead": past `refreshAhead` of its TTL, a hit also starts one background refresh.
    const refreshAhead = (slot: Slot, at: number, parent: Tracer.AnySpan | undefined) => {
      if (slot.refreshing || (slot.failure !== undefined && at < slot.failure.retryAt)) {
        return
      }
      slot.refreshing = true
      if (slot.load.fiber === undefined) {
        count("backgroundRefreshes", slot)
      }
      loadInBackground(slot.load, parent).addObserver(() => {
        slot.refreshing = false
      })
    }

    // Rule "LRU": at capacity, the least recently used slot makes room.
    const insert = (request: SecretRequest, key: string): Slot => {
      if (slots.size >= options.capacity) {
        let oldest: Slot | undefined
        for (const slot of slots.values()) {
          if (oldest === undefined || slot.lastUsed < oldest.lastUsed) {
            oldest = slot
          }
        }
        if (oldest !== undefined) {
          slots.delete(oldest.key)
          oldest.entry = undefined
          count("evictions", oldest, labelled(oldest, "reason", "capacity"))
        }
      }
      const labels = options.secretIdLabel ? [MetricLabel.make("secret_id", request.secretId)] : noLabels
      const slot = new Slot(key, request, labels)
      slot.lastVersionId = watchedVersions.get(key)
      slots.set(key, slot)
      return slot
    }

    const slotFor = (secretId: string, options: VersionSelector | undefined): Either.Either<Slot, SecretsError> => {
      const key = cacheKey(secretId, options)
      const existing = key === undefined ? undefined : slots.get(key)
      if (existing !== undefined && sameRequest(existing.request, secretId, options)) {
        return Either.right(existing)
      }
      // Rule "validate first": a bad id fails before any store call (a valid one always has a key).
      return Either.map(validateRequest(secretId, options), (request) =>
        insert(request, key!))
    }

    // The fast path, for `yield*`: the prebuilt view of an entry that is fresh and not yet due for refresh-ahead, or
    // `undefined` when the ordinary read must decide (a miss, refresh-ahead, traced hits, a closed service). Every
    // rule of a hit holds here as in `read`: the same freshness test on the same clock, LRU stamp and hit count.
    const ready = <K extends keyof Views>(view: K, secretId: string, options: VersionSelector | undefined) => {
      if (closed || traceHits) return undefined
      const key = options === undefined ? secretId : cacheKey(secretId, options)
      const slot = key === undefined ? undefined : slots.get(key)
      if (slot === undefined || !sameRequest(slot.request, secretId, options)) return undefined
      const entry = slot.entry
      if (entry === undefined || !(now() < entry.refreshAt)) return undefined
      slot.lastUsed = ++tick
      count("hits", slot)
      return pick(entry.views, view)
    }

    // The hit path: one Map lookup, one clock read, and the entry's prebuilt effect.
    const read = <K extends keyof Views>(
      view: K,
      secretId: string,
      options: VersionSelector | undefined
    ): Effect.Effect<Effect.Effect.Success<Views[K]>, SecretsError> => {
      const key = cacheKey(secretId, options)
      const found = key === undefined ? undefined : slots.get(key)
      // An invalid id could spell another entry's compound key; only the very request that was validated may hit.
      const slot = found !== undefined && sameRequest(found.request, secretId, options) ? found : undefined
      const at = now()
      if (slot !== undefined) {
        slot.lastUsed = ++tick
        const entry = slot.entry
        // Rule "TTL": fresh while its age is below its TTL.
        if (entry !== undefined && at < entry.expiresAt) {
          count("hits", slot)
          if (at >= entry.refreshAt) {
            // Rule "refresh-ahead", traced under the reader's span.
            return Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parent) => {
              refreshAhead(slot, at, Option.getOrUndefined(parent))
              return traced(pick(entry.views, view), secretId, "refresh-ahead", traceHits)
            })
          }
          return traceHits ? traced(pick(entry.views, view), secretId, "hit", true) : pick(entry.views, view)
        }
        // Rule "failure backoff": inside the window, the remembered failure is shared without a store call.
        if (slot.failure !== undefined && at < slot.failure.retryAt) {
          count("misses", slot)
          const settled = Effect.flatMap(settle(slot, slot.failure.cause), (views) => pick(views, view))
          return traced(settled, secretId, "failure-remembered", true)
        }
      }
      // A cold key gets its slot (and its labels) now; an invalid id is counted unlabelled and fails in `load`.
      count("misses", slot ?? Either.getOrUndefined(slotFor(secretId, options)))
      return traced(Effect.flatMap(load(secretId, options), (views) => pick(views, view)), secretId, "miss", true)
    }

    // Joins (or starts) the slot's current load; `onFailure` decides what a failed load becomes for this caller. When
    // the slot went away while waiting (invalidated, evicted), it tries again on the slot that replaced it.
    const loadThen = (
      onFailure: (slot: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.Effect<Views, SecretsError>
    ) => {
      const run = (secretId: string, options: VersionSelector | undefined): Effect.Effect<Views, SecretsError> =>
        Effect.suspend(() => {
          const found = slotFor(secretId, options)
          if (Either.isLeft(found)) return Effect.fail(found.left)
          const slot = found.right
          slot.lastUsed = ++tick
          return Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parent) =>
            Effect.flatMap(awaitLoad(slot.load, Option.getOrUndefined(parent)), (result) =>
              afterLoad(slot, result, onFailure, () =>
                run(secretId, options))))
        })
      return run
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
            Effect.flatMap(Effect.exit(store.fetch(load.slot.request)), (exit) =>
              deliver(load, exit)),
          { concurrency: Math.max(1, loads.length), discard: true }
        )
      const fetchBatch = store.fetchBatch
      const work = fetchBatch === undefined
        ? singles(loads)
        : Effect.matchCauseEffect(fetchBatch(loads.map((load) => load.slot.request.secretId)), {
          onFailure: (cause) => {
            const error = Cause.failureOption(cause)
            // Rule "batch fallback": a transient failure of the batch, or a misconfigured store, is each secret's
            // own failure; a defect of the batch is each secret's store defect (ridden out like a transient one).
            if (error._tag === "None") {
              return Effect.forEach(loads, (load) => deliver(load, Exit.failCause(cause)), { discard: true })
            }
            if (isTransient(error.value) || error.value._tag === "SecretsMisconfigured") {
              const failure = error.value
              return Effect.forEach(
                loads,
                (load) => deliver(load, Exit.fail(renamed(failure, load.slot.request.secretId))),
                { discard: true }
              )
            }
            // Any other (no batch permission, a rejected request) says nothing about the secrets: read one by one.
            return singles(loads)
          },
          onSuccess: (answers) => {
            // Rule "exact answers": an answer reaches a load only when it is that very id's; a missing answer, or one
            // about another secret, is read alone (never taken as "not found": that would evict a good value).
            const alone: Array<Load> = []
            const answered: Array<readonly [Load, Exit.Exit<SecretValue, SecretStoreError>]> = []
            for (const load of loads) {
              const exit = answers.get(load.slot.request.secretId)
              if (exit === undefined || (Exit.isSuccess(exit) && exit.value.secretId !== load.slot.request.secretId)) {
                alone.push(load)
              } else {
                answered.push([load, exit])
              }
            }
            return Effect.zipRight(
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

    // Whether a slot needs a load: not fresh, no failure remembered.
    const isCold = (slot: Slot, at: number) =>
      !(slot.entry !== undefined && at < slot.entry.expiresAt) &&
      !(slot.failure !== undefined && at < slot.failure.retryAt)

    // Rule "prefetch": warms the cache. Secrets with a fresh entry or a load in flight are left alone; the others are
    // loaded as usual (so readers join them), their store calls made together, a chunk of `batchSize` per call. A
    // chunk takes its secrets when its call starts, not before: a reader of a secret whose chunk has not started
    // makes its own single read instead of waiting behind other chunks, so nobody waits longer than a single read.
    const prefetch = (secretIds: Iterable<string>) =>
      Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parentSpan) => {
        // Untyped callers: a list that is not one is a bug in the caller, said plainly.
        if (typeof (secretIds as Partial<Iterable<string>> | null)?.[Symbol.iterator] !== "function") {
          return Effect.dieMessage("SecretsService.prefetch takes an iterable of secret ids")
        }
        const parent = Option.getOrUndefined(parentSpan)
        const size = Math.max(1, store.batchSize ?? 20)
        const entries: Array<readonly [string, Either.Either<Slot, SecretsError>]> = []
        const cold = new Set<Slot>()
        const at = now()
        for (const secretId of secretIds) {
          const found = slotFor(secretId, undefined)
          entries.push([secretId, found])
          if (Either.isLeft(found)) continue
          found.right.lastUsed = ++tick
          if (isCold(found.right, at) && found.right.load.fiber === undefined) cold.add(found.right)
        }
        // What answers each cold slot, as found when its chunk started: the batch's own answer, or a reader's load.
        const claims = new Map<Slot, Deferred.Deferred<SecretValue, SecretStoreError> | Load>()
        const claim = (slots: ReadonlyArray<Slot>): ReadonlyArray<Load> => {
          const batch: Array<Load> = []
          const at = now()
          // A slot evicted meanwhile (a prefetch of more than `capacity`) is still read in the batch: its answer goes
          // to the prefetch's result, not to the cache.
          for (const slot of slots) {
            if (!isCold(slot, at)) continue
            const current = slot.load
            if (current.fiber !== undefined) { // a reader got there first: its read answers
              claims.set(slot, current)
              continue
            }
            const answer = Deferred.unsafeMake<SecretValue, SecretStoreError>(FiberId.none)
            batchAnswers.set(current, answer)
            claims.set(slot, answer)
            batch.push(current)
            loadInBackground(current, parent)
          }
          return batch
        }
        const concurrency = store.fetchBatch === undefined ? 1 : 4
        const chunks = Arr.chunksOf(Array.from(cold), size)
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
        const outcome = ([secretId, found]: readonly [string, Either.Either<Slot, SecretsError>]) => {
          if (Either.isLeft(found)) return Effect.fail(found.left)
          const slot = found.right
          const claimed = claims.get(slot)
          // The batch's answer itself, kept here: the slot may be gone by now (evicted at capacity, invalidated),
          // and reading it again would be a second store call for an answer already in hand.
          const settled: Effect.Effect<LoadResult> = claimed === undefined
            ? Effect.succeed(superseded) // fresh, failing, or loading when the prefetch began: the slot says which
            : claimed instanceof Load
            ? awaitLoad(claimed)
            : Effect.map(Effect.exit(Deferred.await(claimed)), (exit) => Exit.isInterrupted(exit) ? superseded : exit)
          return Effect.flatMap(settled, (result) =>
            afterLoad(slot, result, settle, () => {
              const current = slots.get(slot.key)
              const entry = current?.entry
              return entry !== undefined && now() < entry.expiresAt
                ? Effect.succeed(entry.views)
                : load(secretId, undefined)
            }))
        }
        return Effect.zipRight(
          Fiber.await(work),
          Effect.forEach(entries, (entry) =>
            outcome(entry).pipe(
              Effect.flatMap((views) => views.value),
              // A store defect is ridden out like a transient failure by the cache; a prefetch reports it as one.
              Effect.catchAllDefect(() =>
                Effect.fail(
                  new SecretsUnavailable({
                    secretId: showId(entry[0]),
                    reason: "unavailable",
                    detail: "the store failed unexpectedly (a defect)"
                  })
                )
              ),
              Effect.either
            ), { concurrency: "unbounded" })
        )
      })

    const usedAfterClose = Effect.dieMessage("SecretsService was used after its layer was closed")

    // Rule "forced refresh": after an auth failure. Callers join a load in flight; otherwise at most one store call
    // per key per `minInterval`, and inside it the answer is what the last forced refresh brought.
    const forceRefresh = (secretId: string, options: VersionSelector | undefined, minInterval: Duration.Duration) =>
      Effect.suspend(() => {
        const found = slotFor(secretId, options)
        if (Either.isLeft(found)) return Effect.fail(found.left)
        const slot = found.right
        const at = now()
        const due = slot.lastForcedAt === undefined || at - slot.lastForcedAt >= Duration.toMillis(minInterval) * 1e6
        if (slot.load.fiber !== undefined || due) {
          if (slot.load.fiber === undefined) slot.lastForcedAt = at
          return Effect.flatMap(refresh(secretId, options), (views) => views.value)
        }
        const settled = afterLoad(slot, superseded, failWith, () => refresh(secretId, options))
        return Effect.flatMap(settled, (views) => views.value)
      })

    const changes = (secretId: string, options?: VersionSelector): Stream.Stream<SecretValue> =>
      Stream.async<SecretValue>((emit) => {
        const key = cacheKey(secretId, options)
        // An invalid id or selector names no secret: nothing will ever change.
        if (closed || key === undefined || Either.isLeft(validateRequest(secretId, options))) return void emit.end()
        const emits = listeners.get(key) ?? new Set()
        listeners.set(key, emits)
        emits.add(emit)
        const loaded = slots.get(key)?.lastVersionId
        if (loaded !== undefined && !watchedVersions.has(key)) watchedVersions.set(key, loaded)
        return Effect.sync(() => {
          emits.delete(emit)
          if (emits.size === 0 && listeners.get(key) === emits) {
            listeners.delete(key)
            watchedVersions.delete(key)
          }
        })
      })

    const reader: Reader = {
      ready: ready as Reader["ready"],
      read: (view, secretId, options) => closed ? usedAfterClose : read(view, secretId, options)
    }

    return {
      read: (view, secretId, options) => new Read(reader, view, secretId, options),
      prefetch,
      forceRefresh: (secretId, options, minInterval) =>
        Effect.suspend(() => closed ? usedAfterClose : forceRefresh(secretId, options, minInterval)),
      changes,
      refresh: (secretId, options) => Effect.flatMap(refresh(secretId, options), (views) => views.value),
      invalidate: (secretId, options) =>
        Effect.sync(() => {
          const key = cacheKey(secretId, options)
          const slot = key === undefined ? undefined : slots.get(key)
          if (slot !== undefined) {
            slots.delete(slot.key)
            slot.entry = undefined
          }
        }),
      invalidateAll: Effect.sync(() => {
        for (const slot of slots.values()) slot.entry = undefined
        slots.clear()
      }),
      stats: Effect.sync(() => {
        let size = 0
        for (const slot of slots.values()) if (slot.entry !== undefined) size++
        return { ...counters, size }
      })
    }
  })

const failWith = (_: Slot, cause: Cause.Cause<SecretStoreError>) => Effect.failCause(cause)

interface Reader {
  readonly ready: (
    view: keyof Views,
    secretId: string,
    options: VersionSelector | undefined
  ) => Effect.Effect<unknown, SecretsError> | undefined
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
  commit(): Effect.Effect<A, SecretsError> {
    return this.reader.read(this.view, this.secretId, this.options) as Effect.Effect<A, SecretsError>
  }
  override [Symbol.iterator](): Effect.EffectGenerator<Effect.Effect<A, SecretsError>> {
    const view = this.reader.ready(this.view, this.secretId, this.options) ?? this
    return new Utils.SingleShotGen(new Utils.YieldWrap(view)) as never
  }
}

// A batch's failure, told to one of its secrets: the same error, naming that secret (every field kept: a reason, a
// credentials detail).
const renamed = (error: SecretsUnavailable | SecretsMisconfigured, secretId: string) =>
  error._tag === "SecretsUnavailable"
    ? new SecretsUnavailable({ secretId, reason: error.reason, detail: error.detail })
    : new SecretsMisconfigured({ secretId, reason: error.reason })

// Upstream says the secret is gone or not ours to read: never serve it again.
// A read's span: the secret id (cut short: an id not yet validated could be anything pasted) and how the cache
// answered, never a value.
const traced = <A, E>(effect: Effect.Effect<A, E>, secretId: string, outcome: string, on: boolean) =>
  on
    ? Effect.withSpan(effect, "SecretsService.get", {
      attributes: {
        "secret.id": showId(secretId),
        "cache.outcome": outcome
      }
    })
    : effect

// How a failed load is counted: by the error's tag, or "Defect" for a store that died.
const failureTag = (cause: Cause.Cause<SecretStoreError>): string => {
  const error = Cause.failureOption(cause)
  return error._tag === "Some" ? error.value._tag : "Defect"
}

const isRevocation = (cause: Cause.Cause<SecretStoreError>): boolean => {
  const error = Cause.failureOption(cause)
  return error._tag === "Some" && !isTransient(error.value)
}
