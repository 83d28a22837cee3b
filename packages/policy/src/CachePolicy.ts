/**
 * The cache policy of effect-secrets, top to bottom: what a read gets, when a load starts, what a finished load
 * commits, what is evicted. Each rule carries the name the README gives it.
 *
 * It runs nothing and waits for nothing: time comes in as monotonic nanoseconds, random draws as numbers in [0, 1),
 * and the outcome of a store call as plain data. A runtime (the Effect 3 or Effect 4 line of `@effect-secrets/core`)
 * asks it what to do and carries that out: it runs the loads (one per key at a time), waits, traces and counts.
 *
 * @since 0.2.0
 */
import type { SecretRequest, VersionSelector } from "./SecretRequest.js"
import { cacheKey, sameRequest, validate } from "./SecretRequest.js"

/**
 * The rules' settings, all durations in nanoseconds.
 *
 * @since 0.2.0
 * @category models
 */
export interface PolicyOptions {
  /** How long an entry is fresh, at most. */
  readonly ttl: number
  /** Fraction of an entry's TTL after which a hit also starts a background refresh; 1 turns it off. */
  readonly refreshAhead: number
  /** How long past its TTL an entry may be served while loads fail transiently. */
  readonly maxStale: number
  /** Each TTL is drawn in [ttl * (1 - jitter), ttl]; above 0 it also turns on the start-up spread. */
  readonly jitter: number
  /** A failure is remembered for base * 2^(n-1), at most max. */
  readonly backoffBase: number
  readonly backoffMax: number
  /** How many keys are kept; the least recently used makes room beyond it. */
  readonly capacity: number
}

/**
 * A loaded value and its deadlines (monotonic nanoseconds, never wall time: a wall clock stepped back must not extend
 * a TTL).
 *
 * @since 0.2.0
 * @category models
 */
export interface Entry<V> {
  readonly value: V
  readonly versionId: string
  readonly refreshAt: number
  readonly expiresAt: number
  readonly staleUntil: number
}

/**
 * How a store call failed, as the rules see it: `transient` (unavailable, throttled, no credentials right now) and
 * `defect` (a store with a bug) are ridden out on the previous value; `revocation` (not found, denied, rejected,
 * misconfigured) drops it.
 *
 * @since 0.2.0
 * @category models
 */
export type FailureKind = "transient" | "defect" | "revocation"

/**
 * How a store failure counts for the rules, from its error's tag (`undefined`: the store died with a defect). Only
 * `SecretsUnavailable` is transient; not found, denied, rejected and misconfigured revoke.
 *
 * @since 0.2.0
 * @category rules
 */
export const failureKindOf = (tag: string | undefined): FailureKind =>
  tag === undefined ? "defect" : tag === "SecretsUnavailable" ? "transient" : "revocation"

/**
 * Rule "batch fallback": what a failed batch call means for its secrets. A transient failure, a misconfigured store
 * or a defect is each secret's own failure; any other (no batch permission, a rejected request) says nothing about the
 * secrets: each is read alone.
 *
 * @since 0.2.0
 * @category rules
 */
export const batchFailure = (tag: string | undefined): "EachFails" | "ReadAlone" =>
  tag === undefined || tag === "SecretsUnavailable" || tag === "SecretsMisconfigured" ? "EachFails" : "ReadAlone"

/**
 * Rule "exact answers": a batch's answer reaches a request only when it is that very id's; a missing answer, or one
 * about another id, is read alone (never taken as "not found": that would evict a good value).
 *
 * @since 0.2.0
 * @category rules
 */
export const answersRequest = (requested: string, answered: string | undefined): boolean => answered === requested

/**
 * Rule "prefetch": how many ids a batch call takes (the store's own limit, else Secrets Manager's 20) and how many
 * calls run at once (4 batch calls; one at a time for a store without batches, whose chunk reads run together).
 *
 * @since 0.2.0
 * @category rules
 */
export const prefetchLimits = (storeBatchSize: number | undefined, batched: boolean) => ({
  size: Math.max(1, Math.floor(storeBatchSize ?? 20)),
  concurrency: batched ? 4 : 1
})

/**
 * A remembered failure: shared by every reader until `retryAt`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Failure<E> {
  readonly error: E
  readonly kind: FailureKind
  readonly retryAt: number
}

/**
 * Why a key's value was dropped (the label of the evictions metric).
 *
 * @since 0.2.0
 * @category models
 */
export type EvictionReason = "capacity" | "revoked" | "expired"

/**
 * The state of one key. `generation` names its current load: a load may commit only while it is still the key's
 * current generation and the key is still in the table. `attachment` is the runtime's own per-key data (its load in
 * flight, its metric labels).
 *
 * @since 0.2.0
 * @category models
 */
export class Slot<V, E, A = unknown> {
  entry: Entry<V> | undefined = undefined
  failure: Failure<E> | undefined = undefined
  consecutiveFailures = 0
  generation = 0
  refreshing = false
  lastUsed = 0
  lastForcedAt: number | undefined = undefined
  lastVersionId: string | undefined = undefined
  attachment!: A
  constructor(readonly key: string, readonly request: SecretRequest) {}
}

/**
 * What a read gets.
 *
 * - `Hit`: the entry is fresh. With `refresh`, the read is past the entry's refresh-ahead point and the policy has
 *   marked the key as refreshing: the runtime starts one background load.
 * - `Remembered`: a failure inside its backoff window; the runtime answers it with `settle` (stale-if-error).
 * - `Load`: start the key's current load, or join it.
 * - `Invalid`: the id or selector is not one Secrets Manager accepts; no store call.
 *
 * `evicted` is a key that made room for this one (rule "LRU"), for the runtime to count.
 *
 * @since 0.2.0
 * @category models
 */
export type ReadDecision<V, E, A> =
  | { readonly _tag: "Hit"; readonly slot: Slot<V, E, A>; readonly entry: Entry<V>; readonly refresh: boolean }
  | { readonly _tag: "Remembered"; readonly slot: Slot<V, E, A>; readonly failure: Failure<E> }
  | { readonly _tag: "Load"; readonly slot: Slot<V, E, A>; readonly evicted: Slot<V, E, A> | undefined }
  | { readonly _tag: "Invalid"; readonly shown: string; readonly reason: string }

/**
 * What a failed read gets after `settle`: the previous value (rule "stale-if-error"), or the failure itself.
 *
 * @since 0.2.0
 * @category models
 */
export type Settled<V> =
  | { readonly _tag: "Stale"; readonly entry: Entry<V> }
  | { readonly _tag: "Fail"; readonly expired: boolean }

/**
 * What a finished load did to its key.
 *
 * - `Superseded`: an `invalidate`, an eviction or a newer load came first (rule "generations"); its result goes to
 *   its own waiters only.
 * - `Committed`: the key holds its result now. `rotated` when it found another version than the last load did;
 *   `evicted` when a revocation dropped the previous value.
 *
 * @since 0.2.0
 * @category models
 */
export type Commit =
  | { readonly _tag: "Superseded" }
  | { readonly _tag: "Committed"; readonly rotated: boolean; readonly evicted: boolean }

const superseded: Commit = { _tag: "Superseded" }

/**
 * The table of keys and every rule that reads or changes it.
 *
 * @since 0.2.0
 * @category policy
 */
export class CachePolicy<V, E, A = unknown> {
  private readonly slots = new Map<string, Slot<V, E, A>>()
  private tick = 0 // recency for LRU: a read stamps its key, eviction takes the smallest stamp

  /**
   * @param attach the runtime's per-key data, made when a key enters the table.
   * @param lastVersionOf the version a key last loaded before it left the table (rule "changes": a rotation is seen
   *   across an invalidate or an eviction for keys someone watches).
   * @param createdAt when the service started (rule "start-up spread").
   */
  constructor(
    readonly options: PolicyOptions,
    private readonly attach: (slot: Slot<V, E, A>) => A,
    private readonly lastVersionOf: (key: string) => string | undefined = () => undefined,
    private readonly createdAt = 0
  ) {}

  // ---------------------------------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * The fast path of a hit: the key when its entry is fresh and not yet due for refresh-ahead (a `Hit` without
   * refresh), stamping its recency; `undefined` whenever `read` must decide. Allocates nothing.
   */
  ready(secretId: string, selector: VersionSelector | undefined, now: number): Slot<V, E, A> | undefined {
    const key = selector === undefined ? secretId : cacheKey(secretId, selector)
    const slot = key === undefined ? undefined : this.slots.get(key)
    if (slot === undefined || !sameRequest(slot.request, secretId, selector)) return undefined
    const entry = slot.entry
    if (entry === undefined || !(now < entry.refreshAt)) return undefined
    slot.lastUsed = ++this.tick
    return slot
  }

  /** What a read of this id and selector gets at `now`. */
  read(secretId: string, selector: VersionSelector | undefined, now: number): ReadDecision<V, E, A> {
    const found = this.find(secretId, selector)
    if (found !== undefined) {
      found.lastUsed = ++this.tick
      const entry = found.entry
      // Rule "TTL": fresh while its age is below its TTL.
      if (entry !== undefined && now < entry.expiresAt) {
        return { _tag: "Hit", slot: found, entry, refresh: now >= entry.refreshAt && this.startRefresh(found, now) }
      }
      // Rule "failure backoff": inside the window, the remembered failure is shared without a store call.
      if (found.failure !== undefined && now < found.failure.retryAt) {
        return { _tag: "Remembered", slot: found, failure: found.failure }
      }
      return { _tag: "Load", slot: found, evicted: undefined }
    }
    return this.enter(secretId, selector)
  }

  /**
   * The key of a load that is about to start or be joined (for `refresh`, a forced refresh and `prefetch`): the
   * existing key, or a new one that enters the table (rule "validate first" applies).
   */
  slotFor(secretId: string, selector: VersionSelector | undefined): ReadDecision<V, E, A> {
    const found = this.find(secretId, selector)
    if (found !== undefined) {
      found.lastUsed = ++this.tick
      return { _tag: "Load", slot: found, evicted: undefined }
    }
    return this.enter(secretId, selector)
  }

  /**
   * The key as it is now, for a caller answered late (see `answerNow`): like `slotFor`, but an existing key is not
   * stamped as used: a late answer from what the key holds is no read of its own; one that must load is (`used`).
   */
  current(secretId: string, selector: VersionSelector | undefined): ReadDecision<V, E, A> {
    const found = this.find(secretId, selector)
    return found !== undefined ? { _tag: "Load", slot: found, evicted: undefined } : this.enter(secretId, selector)
  }

  /** Rule "LRU": the key was used (a late answer that joins or starts its load). */
  used(slot: Slot<V, E, A>): void {
    slot.lastUsed = ++this.tick
  }

  private find(secretId: string, selector: VersionSelector | undefined): Slot<V, E, A> | undefined {
    const key = cacheKey(secretId, selector)
    const found = key === undefined ? undefined : this.slots.get(key)
    // An invalid id could spell another entry's compound key; only the very request that was validated may hit.
    return found !== undefined && sameRequest(found.request, secretId, selector) ? found : undefined
  }

  // Rule "validate first", then rule "LRU": at capacity, the least recently used key makes room.
  private enter(secretId: string, selector: VersionSelector | undefined): ReadDecision<V, E, A> {
    const checked = validate(secretId, selector)
    if (checked._tag === "Invalid") return checked
    const key = cacheKey(checked.request.secretId, checked.request)!
    let evicted: Slot<V, E, A> | undefined
    if (this.slots.size >= this.options.capacity) {
      for (const slot of this.slots.values()) {
        if (evicted === undefined || slot.lastUsed < evicted.lastUsed) evicted = slot
      }
      if (evicted !== undefined) this.drop(evicted)
    }
    const slot = new Slot<V, E, A>(key, checked.request)
    slot.attachment = this.attach(slot)
    slot.lastVersionId = this.lastVersionOf(key)
    slot.lastUsed = ++this.tick
    this.slots.set(key, slot)
    return { _tag: "Load", slot, evicted }
  }

  // Rule "refresh-ahead": past `refreshAhead` of its TTL, a hit also starts one background refresh, unless one is
  // running or the last load failed inside its backoff window.
  private startRefresh(slot: Slot<V, E, A>, now: number): boolean {
    if (slot.refreshing || (slot.failure !== undefined && now < slot.failure.retryAt)) return false
    slot.refreshing = true
    return true
  }

  /**
   * What a caller that did not run the key's last load gets from the key now (a waiter whose load was superseded, a
   * prefetch's secret that a reader loaded, a forced refresh inside its interval): exactly what a read would get,
   * without counting as one (no recency stamp, no refresh-ahead): a fresh value, a failure inside its window, or a
   * load. A key no longer in the table is a load too.
   */
  answerNow(slot: Slot<V, E, A>, now: number): "Fresh" | "Remembered" | "Load" {
    if (this.slots.get(slot.key) !== slot) return "Load"
    if (slot.entry !== undefined && now < slot.entry.expiresAt) return "Fresh"
    if (slot.failure !== undefined && now < slot.failure.retryAt) return "Remembered"
    return "Load"
  }

  /** The background refresh that `read` asked for has ended, whatever its outcome. */
  refreshEnded(slot: Slot<V, E, A>): void {
    slot.refreshing = false
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Failed reads
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Rule "stale-if-error": a failure that is not a revocation is answered with the previous value until its TTL +
   * `maxStale`; past that the value is dropped (`expired`) and the failure is the answer.
   */
  settle(slot: Slot<V, E, A>, kind: FailureKind, now: number): Settled<V> {
    const entry = slot.entry
    if (entry !== undefined && this.slots.get(slot.key) === slot && kind !== "revocation") {
      if (now < entry.staleUntil) return { _tag: "Stale", entry }
      slot.entry = undefined // past maxStale: no longer worth keeping
      return { _tag: "Fail", expired: true }
    }
    return { _tag: "Fail", expired: false }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Loads
  // ---------------------------------------------------------------------------------------------------------------

  /** Whether a load of this generation may still commit: it is the key's current one, and the key is in the table. */
  isCurrent(slot: Slot<V, E, A>, generation: number): boolean {
    return slot.generation === generation && this.slots.get(slot.key) === slot
  }

  /**
   * Rule "start-up spread": whether a successful load of this generation, started at `startedAt`, needs a second
   * draw, for its refresh-ahead point. Only an entry that replaces no value, loaded in the service's first TTL, with
   * jitter and refresh-ahead on: later cold loads (after an invalidate or an eviction) are not part of a start-up
   * wave, and spreading them would only cost calls.
   */
  spreads(slot: Slot<V, E, A>, generation: number, startedAt: number): boolean {
    return this.options.jitter > 0 && this.options.refreshAhead < 1 && slot.entry === undefined &&
      slot.generation === generation && this.slots.get(slot.key) === slot &&
      startedAt - this.createdAt < this.options.ttl
  }

  /**
   * A load that started at `startedAt` succeeded. `draw` is the jitter draw; `spread` the start-up spread's draw
   * (used only when `spreads` said so).
   */
  commitSuccess(
    slot: Slot<V, E, A>,
    generation: number,
    value: V,
    versionId: string,
    startedAt: number,
    draw: number,
    spread: number
  ): Commit {
    if (slot.generation !== generation) return superseded
    const spreading = this.spreads(slot, generation, startedAt)
    slot.generation++
    // Rule "generations": invalidated or evicted while loading; the result goes to the waiters only.
    if (this.slots.get(slot.key) !== slot) return superseded
    // Rule "changes": a load that finds another version than the last one is a rotation.
    const previous = slot.lastVersionId
    slot.lastVersionId = versionId
    const { jitter, maxStale, refreshAhead, ttl } = this.options
    // Rule "jitter": this entry's TTL is drawn in [ttl * (1 - jitter), ttl].
    const lifetime = ttl * (1 - jitter * draw)
    // Rule "start-up spread": an entry that replaces no value, loaded in the service's first TTL (every key of a
    // process that just started), has its refresh-ahead point drawn in [0, refreshAhead) of its TTL, so processes
    // started together refresh at spread-out times from the first round on, instead of in waves for hours.
    const refreshAfter = lifetime * refreshAhead * (spreading ? spread : 1)
    // Rule "TTL": the age counts from when the store call started: the value is no older than that.
    slot.entry = {
      value,
      versionId,
      refreshAt: startedAt + refreshAfter,
      expiresAt: startedAt + lifetime,
      staleUntil: startedAt + lifetime + maxStale
    }
    slot.failure = undefined
    slot.consecutiveFailures = 0
    return { _tag: "Committed", rotated: previous !== undefined && previous !== versionId, evicted: false }
  }

  /** A load failed at `now`. */
  commitFailure(slot: Slot<V, E, A>, generation: number, error: E, kind: FailureKind, now: number): Commit {
    if (slot.generation !== generation) return superseded
    slot.generation++
    if (this.slots.get(slot.key) !== slot) return superseded
    slot.consecutiveFailures++
    // Rule "failure backoff": a failure is remembered for base * 2^(n-1), at most max, never for the TTL.
    const { backoffBase, backoffMax } = this.options
    const backoff = Math.min(backoffMax, backoffBase * 2 ** (slot.consecutiveFailures - 1))
    slot.failure = { error, kind, retryAt: now + backoff }
    // Rule "evict on revocation": not found, denied, rejected or misconfigured drops the value at once. A transient
    // failure, or a defect of the store, keeps it for stale-if-error.
    const evicted = kind === "revocation" && slot.entry !== undefined
    if (evicted) slot.entry = undefined
    return { _tag: "Committed", rotated: false, evicted }
  }

  /** A load was interrupted (the layer is closing): nothing is learned, but its generation is over. */
  commitInterrupted(slot: Slot<V, E, A>, generation: number): void {
    if (slot.generation === generation) slot.generation++
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Prefetch and forced refreshes
  // ---------------------------------------------------------------------------------------------------------------

  /** Rule "prefetch": whether a key needs a load: not fresh, and no failure remembered. */
  isCold(slot: Slot<V, E, A>, now: number): boolean {
    return !(slot.entry !== undefined && now < slot.entry.expiresAt) &&
      !(slot.failure !== undefined && now < slot.failure.retryAt)
  }

  /**
   * Rule "prefetch": the keys a prefetch loads, in chunks of `batchSize` (one batch call each): the cold ones with
   * no load in flight (`loading`), each once however often it was asked for. A chunk is claimed again when its call
   * starts (`isCold`), so a reader who got there first answers instead.
   */
  planPrefetch(
    slots: Iterable<Slot<V, E, A>>,
    now: number,
    loading: (slot: Slot<V, E, A>) => boolean,
    batchSize: number
  ): Array<Array<Slot<V, E, A>>> {
    const cold = new Set<Slot<V, E, A>>()
    for (const slot of slots) if (this.isCold(slot, now) && !loading(slot)) cold.add(slot)
    const chunks: Array<Array<Slot<V, E, A>>> = []
    const size = Math.max(1, Math.floor(batchSize))
    for (const slot of cold) {
      const last = chunks[chunks.length - 1]
      if (last !== undefined && last.length < size) last.push(slot)
      else chunks.push([slot])
    }
    return chunks
  }

  /**
   * Rule "forced refresh": after an auth failure a key goes to the store at most once per `minInterval`. `true`
   * records this one; `false` means the answer is what the last forced refresh brought.
   */
  forceRefresh(slot: Slot<V, E, A>, now: number, minInterval: number): boolean {
    if (slot.lastForcedAt !== undefined && now - slot.lastForcedAt < minInterval) return false
    slot.lastForcedAt = now
    return true
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Invalidation
  // ---------------------------------------------------------------------------------------------------------------

  /** Drops a key; a load of it still in flight will not put it back (rule "generations"). */
  invalidate(secretId: string, selector: VersionSelector | undefined): void {
    const key = cacheKey(secretId, selector)
    const slot = key === undefined ? undefined : this.slots.get(key)
    if (slot !== undefined) this.drop(slot)
  }

  /** Drops every key. */
  invalidateAll(): void {
    for (const slot of this.slots.values()) slot.entry = undefined
    this.slots.clear()
  }

  private drop(slot: Slot<V, E, A>): void {
    this.slots.delete(slot.key)
    slot.entry = undefined
  }

  /** The key, if it is in the table (for the runtime's `changes`). */
  get(key: string): Slot<V, E, A> | undefined {
    return this.slots.get(key)
  }

  /** How many keys hold a value. */
  get size(): number {
    let size = 0
    for (const slot of this.slots.values()) if (slot.entry !== undefined) size++
    return size
  }
}
