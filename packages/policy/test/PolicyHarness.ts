/**
 * A runtime for the policy, as small as it can be: a table of store calls in flight instead of fibers, commands
 * instead of time passing and stores answering. It carries out the policy's decisions the way the Effect 3 shell does
 * (`packages/core/src/internal/secretsCache.ts`): one load per key and generation, waiters, draws, stats, prefetch.
 */
import type { Driver } from "@effect-secrets/conformance"
import { Commands, Observation } from "@effect-secrets/conformance"
import { CachePolicy, SecretRequest } from "../src/index.js"

type Key = Commands.Key
type Answer = Observation.Answer
type Kind = CachePolicy.FailureKind
interface Failed {
  readonly error: string
  readonly kind: Kind
}
type Slot = CachePolicy.Slot<string, Failed, Attachment>
interface Attachment {
  loading: Load | undefined
}

type Waiter =
  | { readonly caller: number; readonly mode: "read" | "refresh" }
  | { readonly caller: number; readonly mode: "prefetch"; readonly prefetch: Prefetch }

interface Load {
  readonly key: Key
  readonly slot: Slot
  readonly generation: number
  readonly n: number
  readonly startedAt: number
  readonly waiters: Array<Waiter>
  endsRefresh: boolean
  exit?: { readonly _tag: "Success"; readonly value: string } | { readonly _tag: "Failure"; readonly failed: Failed }
}

interface Prefetch {
  readonly caller: number
  readonly items: Array<{ readonly key: Key; readonly slot: Slot; readonly claim: Load | undefined }>
  readonly results: Array<Answer | undefined>
  readonly agains: Map<Load, Array<number>>
  waiting: Set<Load>
  started: boolean
}

const nanos = (millis: number) => millis * 1_000_000

const errorOf = (outcome: Commands.Outcome): Failed =>
  outcome._tag === "Transient"
    ? { error: "SecretsUnavailable", kind: "transient" }
    : outcome._tag === "Revocation"
    ? { error: outcome.error, kind: "revocation" }
    : { error: "Defect", kind: "defect" }

const failedAnswer = (failed: Failed): Answer =>
  failed.kind === "defect" ? { _tag: "Defect" } : { _tag: "Error", error: failed.error }

export const make = (options: Commands.RunOptions): Driver.Driver => {
  const policy = new CachePolicy.CachePolicy<string, Failed, Attachment>(
    {
      ttl: nanos(options.ttl),
      refreshAhead: options.refreshAhead,
      maxStale: nanos(options.maxStale),
      jitter: options.jitter,
      backoffBase: nanos(options.backoffBase),
      backoffMax: nanos(options.backoffMax),
      capacity: options.capacity
    },
    () => ({ loading: undefined })
  )
  let now = 0
  let drawn = 0
  let callers = 0
  let answers: Array<Observation.Answered> = []
  const inFlight: Array<Load> = []
  const callsMade = new Map<Key, number>()
  const counters = {
    hits: 0,
    misses: 0,
    loads: 0,
    loadFailures: 0,
    staleReads: 0,
    backgroundRefreshes: 0,
    evictions: 0
  }
  const answer = (caller: number, value: Answer) => answers.push({ caller, answer: value })
  const draw = () => options.draws[drawn++ % options.draws.length]!
  const request = (key: Key) => {
    const { secretId, versionStage } = Commands.requestOf(key)
    return [secretId, versionStage === undefined ? undefined : { versionStage }] as const
  }
  const keyOf = (slot: Slot): Key => {
    const { secretId, versionStage } = slot.request
    return (versionStage === undefined ? secretId : `${secretId}@${versionStage}`) as Key
  }

  const slotFor = (key: Key, late = false): Slot => {
    const decision = late ? policy.current(...request(key)) : policy.slotFor(...request(key))
    if (decision._tag !== "Load") throw new Error(`not a valid key: ${key}`)
    if (decision.evicted !== undefined) counters.evictions++
    return decision.slot
  }

  const join = (slot: Slot): Load => {
    const loading = slot.attachment.loading
    if (loading !== undefined && loading.generation === slot.generation) return loading
    const key = keyOf(slot)
    const n = (callsMade.get(key) ?? 0) + 1
    callsMade.set(key, n)
    counters.loads++
    const load: Load = { key, slot, generation: slot.generation, n, startedAt: now, waiters: [], endsRefresh: false }
    slot.attachment.loading = load
    inFlight.push(load)
    return load
  }

  // Rule "stale-if-error", as the shell carries it out.
  const settle = (slot: Slot, failed: Failed): Answer => {
    const settled = policy.settle(slot, failed.kind, now)
    if (settled._tag === "Stale") {
      counters.staleReads++
      return { _tag: "Value", value: settled.entry.value }
    }
    if (settled.expired) counters.evictions++
    return failedAnswer(failed)
  }

  const read = (key: Key, caller: number) => {
    const decision = policy.read(...request(key), now)
    switch (decision._tag) {
      case "Hit": {
        counters.hits++
        answer(caller, { _tag: "Value", value: decision.entry.value })
        if (decision.refresh) {
          if (decision.slot.attachment.loading === undefined) counters.backgroundRefreshes++
          join(decision.slot).endsRefresh = true
        }
        return
      }
      case "Remembered":
        counters.misses++
        return answer(caller, settle(decision.slot, decision.failure.error))
      case "Load":
        if (decision.evicted !== undefined) counters.evictions++
        counters.misses++
        join(decision.slot).waiters.push({ caller, mode: "read" })
        return
      case "Invalid":
        throw new Error(decision.reason)
    }
  }

  const refresh = (key: Key, caller: number) => join(slotFor(key)).waiters.push({ caller, mode: "refresh" })

  const forceRefresh = (key: Key, caller: number) => {
    const slot = slotFor(key)
    if (slot.attachment.loading !== undefined || policy.forceRefresh(slot, now, nanos(options.minRefreshInterval))) {
      return refresh(key, caller)
    }
    // Inside the interval: what the key holds now, as a read would get it (a failure reported as it is).
    const resolve = (slot: Slot): "Load" | undefined => {
      switch (policy.answerNow(slot, now)) {
        case "Fresh":
          return void answer(caller, { _tag: "Value", value: slot.entry!.value })
        case "Remembered":
          return void answer(caller, failedAnswer(slot.failure!.error))
        case "Load":
          return "Load"
      }
    }
    if (resolve(slot) === "Load") {
      const current = slotFor(key, true)
      if (resolve(current) === "Load") {
        policy.used(current)
        join(current).waiters.push({ caller, mode: "refresh" })
      }
    }
  }

  const complete = (key: Key, outcome: Commands.Outcome) => {
    const load = inFlight.find((l) => l.key === key)!
    inFlight.splice(inFlight.indexOf(load), 1)
    const slot = load.slot
    if (slot.attachment.loading === load) slot.attachment.loading = undefined
    const jitter = draw()
    if (outcome._tag === "Success") {
      const spread = policy.spreads(slot, load.generation, load.startedAt) ? draw() : 1
      const value = Observation.valueOf(key, load.n, outcome.version)
      policy.commitSuccess(slot, load.generation, value, outcome.version, load.startedAt, jitter, spread)
      load.exit = { _tag: "Success", value }
    } else {
      const failed = errorOf(outcome)
      const done = policy.commitFailure(slot, load.generation, failed, failed.kind, now)
      if (done._tag === "Committed") {
        counters.loadFailures++
        if (done.evicted) counters.evictions++
      }
      load.exit = { _tag: "Failure", failed }
    }
    if (load.endsRefresh) policy.refreshEnded(slot)
    const exit = load.exit
    for (const waiter of load.waiters) {
      if (waiter.mode === "prefetch") continue
      if (exit._tag === "Success") answer(waiter.caller, { _tag: "Value", value: exit.value })
      else if (waiter.mode === "refresh") answer(waiter.caller, failedAnswer(exit.failed))
      else answer(waiter.caller, settle(slot, exit.failed))
    }
    // Prefetches that already answer their ids (waiting on a read of one again) settle first, as the shell's do: their
    // waits were on the load itself; a prefetch that has not started waits on its batch's work, which ends after.
    for (const waiter of load.waiters) {
      if (waiter.mode !== "prefetch" || !waiter.prefetch.started) continue
      const prefetch = waiter.prefetch
      for (const index of prefetch.agains.get(load) ?? []) {
        prefetch.results[index] = exit._tag === "Success"
          ? { _tag: "Value", value: exit.value }
          : settle(slot, exit.failed)
      }
      prefetch.agains.delete(load)
      answerPrefetch(prefetch)
    }
    for (const waiter of load.waiters) {
      if (waiter.mode !== "prefetch" || waiter.prefetch.started) continue
      const prefetch = waiter.prefetch
      prefetch.waiting.delete(load)
      if (prefetch.waiting.size === 0) finishPrefetch(prefetch)
    }
  }

  // Rule "prefetch", as the shell carries it out: the cold keys are claimed and loaded; when those loads end, each id
  // is answered by its load, or by what its key holds.
  const prefetch = (secretIds: ReadonlyArray<Key>, caller: number) => {
    const slots = secretIds.map((key) => slotFor(key))
    const chunks = policy.planPrefetch(slots, now, (slot) => slot.attachment.loading !== undefined, 20)
    const claims = new Map<Slot, Load>()
    for (const chunk of chunks) {
      for (const slot of chunk) {
        if (!policy.isCold(slot, now)) continue
        claims.set(slot, join(slot))
      }
    }
    const prefetch: Prefetch = {
      caller,
      items: secretIds.map((key, i) => ({ key, slot: slots[i]!, claim: claims.get(slots[i]!) })),
      results: [],
      agains: new Map(),
      waiting: new Set(claims.values()),
      started: false
    }
    for (const load of prefetch.waiting) load.waiters.push({ caller, mode: "prefetch", prefetch })
    if (prefetch.waiting.size === 0) finishPrefetch(prefetch)
  }

  const finishPrefetch = (prefetch: Prefetch) => {
    prefetch.started = true
    prefetch.items.forEach((item, index) => {
      const slot = item.slot
      const exit = item.claim?.exit
      if (exit !== undefined) {
        prefetch.results[index] = exit._tag === "Success"
          ? { _tag: "Value", value: exit.value }
          : settle(slot, exit.failed)
        return
      }
      // No load of its own: what the key holds now, as a read would get it; else the key that replaced it.
      const resolve = (slot: Slot): boolean => {
        switch (policy.answerNow(slot, now)) {
          case "Fresh":
            prefetch.results[index] = { _tag: "Value", value: slot.entry!.value }
            return true
          case "Remembered":
            prefetch.results[index] = settle(slot, slot.failure!.error)
            return true
          case "Load":
            return false
        }
      }
      if (resolve(slot)) return
      const current = slotFor(item.key, true)
      if (resolve(current)) return
      policy.used(current)
      const load = join(current)
      prefetch.agains.set(load, [...(prefetch.agains.get(load) ?? []), index])
      if (!load.waiters.some((w) => w.mode === "prefetch" && w.prefetch === prefetch)) {
        load.waiters.push({ caller: prefetch.caller, mode: "prefetch", prefetch })
      }
    })
    answerPrefetch(prefetch)
  }

  const answerPrefetch = (prefetch: Prefetch) => {
    if (prefetch.results.filter((r) => r !== undefined).length < prefetch.items.length) return
    // A store defect is reported as SecretsUnavailable by prefetch.
    const results = prefetch.results.map((r): Answer =>
      r!._tag === "Defect" ? { _tag: "Error", error: "SecretsUnavailable" } : r!
    )
    answer(prefetch.caller, { _tag: "Prefetched", results })
  }

  return {
    run: (command) => {
      answers = []
      switch (command._tag) {
        case "Read":
          for (let i = 0; i < command.n; i++) read(command.key, ++callers)
          break
        case "Advance":
          now += nanos(command.millis)
          break
        case "Complete":
          complete(command.key, command.outcome)
          break
        case "Invalidate":
          policy.invalidate(...request(command.key))
          break
        case "InvalidateAll":
          policy.invalidateAll()
          break
        case "Refresh":
          refresh(command.key, ++callers)
          break
        case "ForceRefresh":
          forceRefresh(command.key, ++callers)
          break
        case "Prefetch":
          prefetch(command.secretIds, ++callers)
          break
      }
      const pending: Partial<Record<Key, number>> = {}
      for (const load of inFlight) pending[load.key] = (pending[load.key] ?? 0) + 1
      return {
        answers: answers.sort((a, b) => a.caller - b.caller),
        pending,
        calls: Object.fromEntries(callsMade),
        stats: { ...counters, size: policy.size },
        table: Commands.keys.filter((key) => policy.get(SecretRequest.cacheKey(...request(key))!) !== undefined).sort()
      }
    }
  }
}
