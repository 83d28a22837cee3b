/**
 * A deliberately naive reference model of the cache rules (README, "The cache rules"), written from the README and
 * not from the policy: plain records, explicit deadlines, an LRU list, a list of store calls in flight. It is slow and
 * meant to be obviously right; a runtime that disagrees with it after any command is wrong, or the README is.
 *
 * Where the README says nothing, the model follows what the runtime documents (see `Deviation` for the places where
 * the runtime does otherwise than the README says, and the model can be told to follow it).
 */
import type { Command, Key, Outcome, RunOptions } from "./Commands.js"
import { keys } from "./Commands.js"
import type { Answer, Answered, Observation, Stats } from "./Observation.js"
import { valueOf } from "./Observation.js"

/**
 * Places where the runtime was found to differ from the README. With a deviation on, the model follows the runtime,
 * so generated runs keep looking for other differences while the replay test of the deviation keeps failing.
 */
export type Deviation =
  /**
   * Rule 13 and rules 2, 5, 6: a prefetch answers an id it left alone (loading, fresh or backing off when it began)
   * with whatever the key holds when its own loads end: a value past its TTL (even past maxStale), a failure past its
   * backoff window, or a fresh value turned into a stale read by a remembered failure.
   */
  | "prefetchAnswersFromKeyState"
  /**
   * Rule 4 (README silent on draws): the start-up spread is drawn for a successful load that an invalidation or an
   * eviction superseded, whose entry is never made; every later deadline then uses the next draw.
   */
  | "spreadDrawnForSupersededLoad"
  /**
   * Rules 2 and 5: a forced refresh inside `minRefreshInterval` answers with whatever the key holds: a value past its
   * TTL (even past maxStale), or a failure past its backoff window (before a fresh value, too).
   */
  | "forcedRefreshAnswersFromKeyState"

/** How a failure is ridden out: transient and defect keep the previous value (rule 6), a revocation drops it (7). */
type Kind = "transient" | "defect" | "revocation"

/** Which rule answered a caller, for the properties. */
export type How = "hit" | "stale" | "load" | "remembered" | "prefetch" | "unchecked"

/** A value the key holds: what it was loaded with, and when. */
export interface Held {
  readonly value: string
  readonly n: number
  readonly startedAt: number
  readonly refreshAt: number
  readonly expiresAt: number
  readonly staleUntil: number
}

interface Remembered {
  readonly error: string
  readonly kind: Kind
  readonly at: number
  readonly retryAt: number
  readonly inARow: number
}

/** A key's place in the table. A place that left the table (invalidated, evicted) stays known to its loads. */
class Place {
  held: Held | undefined = undefined
  remembered: Remembered | undefined = undefined
  failuresInARow = 0
  loading: StoreCall | undefined = undefined
  refreshingAhead = false
  lastForcedAt: number | undefined = undefined
  constructor(readonly key: Key, readonly enteredAt: number) {}
}

type Waiter =
  | { readonly caller: number; readonly mode: "read" | "refresh" }
  | { readonly caller: number; readonly mode: "prefetch"; readonly prefetch: PrefetchCall; readonly index: number }

/** One store call. */
export interface StoreCall {
  readonly key: Key
  readonly n: number
  readonly startedAt: number
  readonly place: Place
  readonly waiters: Array<Waiter>
  endsRefreshAhead: boolean
  /** Filled in when it ends. */
  result?: { readonly at: number; readonly outcome: Outcome; readonly committed: boolean } | undefined
}

interface PrefetchCall {
  readonly caller: number
  readonly items: Array<{ readonly key: Key; readonly place: Place; claim: StoreCall | undefined }>
  readonly results: Array<Answer | undefined>
  readonly hows: Array<{ readonly how: How; readonly at: number; readonly seq: number }>
  waitingFor: Set<StoreCall>
  started: boolean
}

/** An answer with the rule that gave it, and when. */
export interface Record extends Answered {
  readonly key: Key
  readonly how: How
  readonly at: number
  /** When the answer was decided, in the order of `events`. */
  readonly seq: number
  /** For a prefetch, the rule that gave each id's answer, and when it was decided. */
  readonly items?: ReadonlyArray<{ readonly how: How; readonly at: number; readonly seq: number }> | undefined
}

/** Something that happened to a key, in order (`seq`), for the properties. */
export type Event =
  | { readonly _tag: "Entered"; readonly key: Key; readonly seq: number; readonly at: number }
  | { readonly _tag: "Left"; readonly key: Key; readonly seq: number; readonly at: number; readonly why: string }
  | { readonly _tag: "CallStarted"; readonly call: StoreCall; readonly seq: number }
  | { readonly _tag: "CallEnded"; readonly call: StoreCall; readonly seq: number }
  | { readonly _tag: "Evicted"; readonly key: Key; readonly lru: ReadonlyArray<Key>; readonly seq: number }

const errorOf = (outcome: Outcome): string =>
  outcome._tag === "Transient" ? "SecretsUnavailable" : outcome._tag === "Revocation" ? outcome.error : "Defect"

const kindOf = (outcome: Outcome): Kind =>
  outcome._tag === "Revocation" ? "revocation" : outcome._tag === "Defect" ? "defect" : "transient"

const failed = (error: string): Answer => error === "Defect" ? { _tag: "Defect" } : { _tag: "Error", error }

export class Model {
  /** Nanoseconds, like the policy's monotonic clock. */
  now = 0
  readonly table = new Map<Key, Place>()
  /** Keys in the table, least recently used first. */
  lru: Array<Key> = []
  readonly inFlight: Array<StoreCall> = []
  readonly callsMade = new Map<Key, number>()
  readonly stats = {
    hits: 0,
    misses: 0,
    loads: 0,
    loadFailures: 0,
    staleReads: 0,
    backgroundRefreshes: 0,
    evictions: 0
  }
  readonly events: Array<Event> = []
  /** Every answer so far. */
  readonly history: Array<Record> = []
  private answers: Array<Record> = []
  private drawn = 0
  private callers = 0
  private seq = 0
  private readonly ns: {
    readonly ttl: number
    readonly maxStale: number
    readonly base: number
    readonly max: number
    readonly minRefreshInterval: number
  }

  constructor(readonly options: RunOptions, readonly deviations: ReadonlySet<Deviation> = new Set()) {
    const ns = (millis: number) => millis * 1_000_000
    this.ns = {
      ttl: ns(options.ttl),
      maxStale: ns(options.maxStale),
      base: ns(options.backoffBase),
      max: ns(options.backoffMax),
      minRefreshInterval: ns(options.minRefreshInterval)
    }
  }

  /** Whether the command can run now: a `Complete` needs a store call of its key in flight. */
  canRun(command: Command): boolean {
    return command._tag !== "Complete" || this.inFlight.some((call) => call.key === command.key)
  }

  /** Runs the command and says what a test should see. */
  run(command: Command): Observation {
    this.answers = []
    switch (command._tag) {
      case "Read":
        for (let i = 0; i < command.n; i++) this.read(command.key, ++this.callers)
        break
      case "Advance":
        this.now += command.millis * 1_000_000
        break
      case "Complete":
        this.complete(command.key, command.outcome)
        break
      case "Invalidate":
        if (this.table.has(command.key)) this.leave(command.key, "invalidated")
        break
      case "InvalidateAll":
        for (const key of [...this.table.keys()]) this.leave(key, "invalidated")
        break
      case "Refresh":
        this.refresh(command.key, ++this.callers)
        break
      case "ForceRefresh":
        this.forceRefresh(command.key, ++this.callers)
        break
      case "Prefetch":
        this.prefetch(command.secretIds as ReadonlyArray<Key>, ++this.callers)
        break
    }
    this.history.push(...this.answers)
    return this.observe()
  }

  /** The answers of the last command, with the rule that gave each. */
  lastAnswers(): ReadonlyArray<Record> {
    return this.answers
  }

  observe(): Observation {
    const pending: Partial<globalThis.Record<Key, number>> = {}
    for (const call of this.inFlight) pending[call.key] = (pending[call.key] ?? 0) + 1
    const calls: Partial<globalThis.Record<Key, number>> = {}
    for (const [key, n] of this.callsMade) calls[key] = n
    let size = 0
    for (const place of this.table.values()) if (place.held !== undefined) size++
    const stats: Stats = { ...this.stats, size }
    return {
      answers: [...this.answers].sort((a, b) => a.caller - b.caller).map(({ answer, caller }) => ({ caller, answer })),
      pending,
      calls,
      stats,
      table: keys.filter((key) => this.table.has(key)).sort()
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The table and its LRU list (rule 10)
  // ---------------------------------------------------------------------------------------------------------------

  private used(key: Key): void {
    this.lru = this.lru.filter((k) => k !== key)
    this.lru.push(key)
  }

  /** The key's place, entering the table when it is not there; at capacity the least recently used key leaves. */
  private placeOf(key: Key): Place {
    const found = this.table.get(key)
    if (found !== undefined) {
      this.used(key)
      return found
    }
    if (this.table.size >= this.options.capacity) {
      const victim = this.lru[0]!
      this.events.push({ _tag: "Evicted", key: victim, lru: [...this.lru], seq: ++this.seq })
      // Counted as an eviction whether or not it held a value, as the service counts it (the README says "values
      // dropped"; a key holding only a failure or a load is dropped too).
      this.stats.evictions++
      this.leave(victim, "capacity")
    }
    const place = new Place(key, ++this.seq)
    this.table.set(key, place)
    this.events.push({ _tag: "Entered", key, seq: place.enteredAt, at: this.now })
    this.used(key)
    return place
  }

  /** The key leaves the table; a load of it still in flight answers its own callers only (rule 9). */
  private leave(key: Key, why: string): void {
    const place = this.table.get(key)!
    place.held = undefined
    this.table.delete(key)
    this.lru = this.lru.filter((k) => k !== key)
    this.events.push({ _tag: "Left", key, seq: ++this.seq, at: this.now, why })
  }

  private isCurrent(place: Place): boolean {
    return this.table.get(place.key) === place
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Store calls (rule 1: one per key at a time)
  // ---------------------------------------------------------------------------------------------------------------

  private startCall(place: Place): StoreCall {
    const n = (this.callsMade.get(place.key) ?? 0) + 1
    this.callsMade.set(place.key, n)
    this.stats.loads++
    const call: StoreCall = { key: place.key, n, startedAt: this.now, place, waiters: [], endsRefreshAhead: false }
    place.loading = call
    this.inFlight.push(call)
    this.events.push({ _tag: "CallStarted", call, seq: ++this.seq })
    return call
  }

  /** The key's load in flight, or a new one. */
  private join(place: Place): StoreCall {
    return place.loading ?? this.startCall(place)
  }

  private nextDraw(): number {
    const draws = this.options.draws
    return draws[this.drawn++ % draws.length]!
  }

  private complete(key: Key, outcome: Outcome): void {
    const call = this.inFlight.find((c) => c.key === key)!
    this.inFlight.splice(this.inFlight.indexOf(call), 1)
    const place = call.place
    if (place.loading === call) place.loading = undefined
    const committed = this.isCurrent(place)
    const { jitter, refreshAhead } = this.options

    // The service draws once per finished load (the TTL's jitter), and once more for the start-up spread when a
    // value replaces no value (rule 4), in the service's first TTL, and refresh-ahead is on.
    const jitterDraw = this.nextDraw()
    if (outcome._tag === "Success") {
      // Only in the service's first TTL (it starts at 0): later cold loads are no start-up wave.
      const spreads = jitter > 0 && refreshAhead < 1 && place.held === undefined && call.startedAt < this.ns.ttl &&
        (committed || this.deviations.has("spreadDrawnForSupersededLoad"))
      const spreadDraw = spreads ? this.nextDraw() : 1
      if (committed) {
        // Rule 2: the age counts from the start of the store call; the TTL is drawn in [ttl(1 - jitter), ttl].
        const lifetime = this.ns.ttl * (1 - jitter * jitterDraw)
        // Rule 4: refresh-ahead at `refreshAhead` of the TTL, or a point drawn in [0, refreshAhead) for a cold key.
        const refreshAfter = lifetime * refreshAhead * spreadDraw
        place.held = {
          value: valueOf(key, call.n, outcome.version),
          n: call.n,
          startedAt: call.startedAt,
          refreshAt: call.startedAt + refreshAfter,
          expiresAt: call.startedAt + lifetime,
          staleUntil: call.startedAt + lifetime + this.ns.maxStale
        }
        place.remembered = undefined
        place.failuresInARow = 0
      }
    } else {
      // Stats: "store calls that failed", counted as the service counts them: only a failure that committed (the
      // README does not say whether a superseded one counts).
      if (committed) {
        this.stats.loadFailures++
        // Rule 5: remembered for base * 2^(n-1), at most max.
        place.failuresInARow++
        let backoff = this.ns.base
        for (let i = 1; i < place.failuresInARow; i++) backoff = Math.min(this.ns.max, backoff * 2)
        place.remembered = {
          error: errorOf(outcome),
          kind: kindOf(outcome),
          at: this.now,
          retryAt: this.now + backoff,
          inARow: place.failuresInARow
        }
        // Rule 7: a revocation drops the value at once.
        if (outcome._tag === "Revocation" && place.held !== undefined) {
          place.held = undefined
          this.stats.evictions++
        }
      }
    }
    call.result = { at: this.now, outcome, committed }
    if (call.endsRefreshAhead) place.refreshingAhead = false
    this.events.push({ _tag: "CallEnded", call, seq: ++this.seq })

    for (const waiter of call.waiters) {
      if (waiter.mode === "prefetch") continue
      if (outcome._tag === "Success") {
        this.answer(waiter.caller, key, { _tag: "Value", value: valueOf(key, call.n, outcome.version) }, "load")
      } else if (waiter.mode === "refresh") {
        // An explicit refresh reports the failure as it is.
        this.answer(waiter.caller, key, failed(errorOf(outcome)), "load")
      } else {
        this.settle(waiter.caller, place, errorOf(outcome), kindOf(outcome), "load")
      }
    }
    // A prefetch waits for its own loads, then answers every id; an id it read again afterwards answers like a read.
    for (const waiter of call.waiters) {
      if (waiter.mode !== "prefetch" || !waiter.prefetch.started) continue
      const [answer, how] = outcome._tag === "Success"
        ? [{ _tag: "Value", value: valueOf(key, call.n, outcome.version) } as const, "load" as const]
        : this.settle(0, place, errorOf(outcome), kindOf(outcome), "load")
      waiter.prefetch.results[waiter.index] = answer
      waiter.prefetch.hows[waiter.index] = { how, at: this.now, seq: ++this.seq }
      this.answerPrefetch(waiter.prefetch)
    }
    for (const prefetch of new Set(call.waiters.flatMap((w) => w.mode === "prefetch" ? [w.prefetch] : []))) {
      prefetch.waitingFor.delete(call)
      if (prefetch.waitingFor.size === 0 && !prefetch.started) this.finishPrefetch(prefetch)
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------------------------------

  private answer(caller: number, key: Key, answer: Answer, how: How): void {
    this.answers.push({ caller, key, answer, how, at: this.now, seq: ++this.seq })
  }

  /** Rule 6: a failure other than a revocation is answered with the previous value until TTL + maxStale. */
  private settle(caller: number, place: Place, error: string, kind: Kind, how: How): [Answer, How] {
    const held = place.held
    let answer: Answer = failed(error)
    let rule = how
    if (held !== undefined && this.isCurrent(place) && kind !== "revocation") {
      if (this.now < held.staleUntil) {
        this.stats.staleReads++
        answer = { _tag: "Value", value: held.value }
        rule = "stale"
      } else {
        place.held = undefined // past maxStale: dropped
        this.stats.evictions++
      }
    }
    if (caller > 0) this.answer(caller, place.key, answer, rule)
    return [answer, rule]
  }

  private read(key: Key, caller: number): void {
    const present = this.table.has(key)
    const place = this.placeOf(key)
    const held = place.held
    const remembered = place.remembered
    if (present && held !== undefined && this.now < held.expiresAt) {
      // Rule 2: fresh. Rule 4: past its refresh-ahead point, one background refresh, unless one runs or the last
      // load failed inside its backoff window.
      this.stats.hits++
      this.answer(caller, key, { _tag: "Value", value: held.value }, "hit")
      const inBackoff = remembered !== undefined && this.now < remembered.retryAt
      if (this.now >= held.refreshAt && !place.refreshingAhead && !inBackoff) {
        place.refreshingAhead = true
        if (place.loading === undefined) this.stats.backgroundRefreshes++
        this.join(place).endsRefreshAhead = true
      }
      return
    }
    this.stats.misses++
    if (present && remembered !== undefined && this.now < remembered.retryAt) {
      // Rule 5: inside the backoff window the failure is shared without a store call.
      this.settle(caller, place, remembered.error, remembered.kind, "remembered")
      return
    }
    this.join(place).waiters.push({ caller, mode: "read" })
  }

  private refresh(key: Key, caller: number): void {
    this.join(this.placeOf(key)).waiters.push({ caller, mode: "refresh" })
  }

  /**
   * A forced refresh: joins a load in flight; otherwise at most one store call per key per `minRefreshInterval`, and
   * inside it the answer is what the key holds (the failure it remembers, else its value, else a load).
   */
  private forceRefresh(key: Key, caller: number): void {
    const place = this.placeOf(key)
    if (place.loading !== undefined) return void place.loading.waiters.push({ caller, mode: "refresh" })
    if (place.lastForcedAt === undefined || this.now - place.lastForcedAt >= this.ns.minRefreshInterval) {
      place.lastForcedAt = this.now
      return void this.startCall(place).waiters.push({ caller, mode: "refresh" })
    }
    if (this.deviations.has("forcedRefreshAnswersFromKeyState")) {
      if (place.remembered !== undefined) {
        return this.answer(caller, key, failed(place.remembered.error), "remembered")
      }
      if (place.held !== undefined) {
        return this.answer(caller, key, { _tag: "Value", value: place.held.value }, "unchecked")
      }
      return this.refresh(key, caller)
    }
    // Inside the interval, answered as a read would be (without counting it as one), the failure as it is.
    const { held, remembered } = place
    if (held !== undefined && this.now < held.expiresAt) {
      return this.answer(caller, key, { _tag: "Value", value: held.value }, "hit")
    }
    if (remembered !== undefined && this.now < remembered.retryAt) {
      return this.answer(caller, key, failed(remembered.error), "remembered")
    }
    this.refresh(key, caller)
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Prefetch (rule 13)
  // ---------------------------------------------------------------------------------------------------------------

  private prefetch(secretIds: ReadonlyArray<Key>, caller: number): void {
    const prefetch: PrefetchCall = { caller, items: [], results: [], hows: [], waitingFor: new Set(), started: false }
    for (const key of secretIds) prefetch.items.push({ key, place: this.placeOf(key), claim: undefined })
    // Fresh, loading or inside a backoff window: left alone. The others are loaded, readers joining them.
    for (const item of prefetch.items) {
      const { held, loading, remembered } = item.place
      const fresh = held !== undefined && this.now < held.expiresAt
      const backingOff = remembered !== undefined && this.now < remembered.retryAt
      if (fresh || backingOff || loading !== undefined) continue
      item.claim = this.startCall(item.place)
      item.claim.waiters.push({ caller, mode: "prefetch", prefetch, index: prefetch.items.indexOf(item) })
      prefetch.waitingFor.add(item.claim)
    }
    if (prefetch.waitingFor.size === 0) this.finishPrefetch(prefetch)
  }

  /**
   * When its own loads have ended, a prefetch answers each id: a loaded one with its load's outcome (stale-if-error
   * applies), one left alone with what its key holds then (a value, or the failure it remembers), or with a read.
   * A store defect is reported as `SecretsUnavailable`.
   */
  private finishPrefetch(prefetch: PrefetchCall): void {
    prefetch.started = true
    prefetch.items.forEach((item, index) => {
      const place = item.place
      const done = ([answer, how]: [Answer, How]) => {
        prefetch.results[index] = answer
        prefetch.hows[index] = { how, at: this.now, seq: ++this.seq }
      }
      const claim = item.claim
      if (claim !== undefined) {
        const outcome = claim.result!.outcome
        return done(
          outcome._tag === "Success"
            ? [{ _tag: "Value", value: valueOf(item.key, claim.n, outcome.version) }, "load"]
            : this.settle(0, place, errorOf(outcome), kindOf(outcome), "load")
        )
      }
      if (this.deviations.has("prefetchAnswersFromKeyState")) {
        if (this.isCurrent(place) && place.remembered !== undefined) {
          return done(this.settle(0, place, place.remembered.error, place.remembered.kind, "prefetch"))
        }
        if (this.isCurrent(place) && place.held !== undefined) {
          return done([{ _tag: "Value", value: place.held.value }, "unchecked"])
        }
        const now = this.table.get(item.key)?.held
        if (now !== undefined && this.now < now.expiresAt) return done([{ _tag: "Value", value: now.value }, "hit"])
      } else {
        // Answered as a read would be now (without counting it as one): a fresh value, a failure inside its backoff
        // window (stale-if-error applies), or the key's load.
        const current = this.table.get(item.key)
        const held = current?.held
        if (held !== undefined && this.now < held.expiresAt) return done([{ _tag: "Value", value: held.value }, "hit"])
        const remembered = current?.remembered
        if (current !== undefined && remembered !== undefined && this.now < remembered.retryAt) {
          return done(this.settle(0, current, remembered.error, remembered.kind, "prefetch"))
        }
      }
      const call = this.join(this.placeOf(item.key))
      call.waiters.push({ caller: prefetch.caller, mode: "prefetch", prefetch, index })
      prefetch.waitingFor.add(call)
    })
    this.answerPrefetch(prefetch)
  }

  private answerPrefetch(prefetch: PrefetchCall): void {
    if (prefetch.results.filter((r) => r !== undefined).length < prefetch.items.length) return
    const results = prefetch.results.map((r) => r!._tag === "Defect" ? failed("SecretsUnavailable") : r!)
    this.answers.push({
      caller: prefetch.caller,
      key: prefetch.items[0]!.key,
      answer: { _tag: "Prefetched", results },
      how: "prefetch",
      at: this.now,
      seq: ++this.seq,
      items: [...prefetch.hows]
    })
  }
}
