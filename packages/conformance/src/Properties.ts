/**
 * The properties every run must keep, checked after each command against what the runtime showed (which agreed with
 * the model) and the model's record of what happened (store calls, entries into and exits from the table). Each
 * computes its bound on its own, from the README's rule, rather than reading the model's deadlines where it can.
 */
import type { Command, Key } from "./Commands.js"
import type { Event, Model, StoreCall } from "./Model.js"
import type { Observation } from "./Observation.js"
import { sourceOf } from "./Observation.js"

export type PropertyName =
  | "ttl"
  | "revocation"
  | "oneCallInFlight"
  | "burst"
  | "backoff"
  | "lru"
  | "generations"

/** What the model knew before the command: for properties about a command's effect. */
export interface Before {
  readonly calls: Readonly<Partial<Record<Key, number>>>
  /** Keys neither fresh, nor loading, nor backing off: a read of them must make a store call. */
  readonly cold: ReadonlySet<Key>
  readonly now: number
  /** How many events the model had recorded. */
  readonly events: number
}

export const before = (model: Model): Before => {
  const cold = new Set<Key>()
  for (const key of ["a", "b", "c", "a@AWSPREVIOUS", "b@AWSPREVIOUS"] as const) {
    const place = model.table.get(key)
    const fresh = place?.held !== undefined && model.now < place.held.expiresAt
    const backingOff = place?.remembered !== undefined && model.now < place.remembered.retryAt
    if (!fresh && !backingOff && place?.loading === undefined) cold.add(key)
  }
  return { calls: { ...model.observe().calls }, cold, now: model.now, events: model.events.length }
}

const calls = (model: Model, key: Key): ReadonlyArray<StoreCall> =>
  model.events.flatMap((e) => e._tag === "CallStarted" && e.call.key === key ? [e.call] : [])

const callOf = (model: Model, value: string): StoreCall => {
  const { key, n } = sourceOf(value)
  const call = calls(model, key).find((c) => c.n === n)
  if (call === undefined) throw new Error(`a value no store call returned: ${value}`)
  return call
}

const seqOf = (model: Model, call: StoreCall, tag: "CallStarted" | "CallEnded"): number =>
  (model.events.find((e) => e._tag === tag && e.call === call) as Extract<Event, { call: StoreCall }>).seq

const lastEntered = (model: Model, key: Key, until = Infinity): number => {
  let seq = -1
  for (const e of model.events) if (e._tag === "Entered" && e.key === key && e.seq < until) seq = e.seq
  return seq
}

const fail = (property: PropertyName, message: string): never => {
  throw new Error(`property "${property}" broken: ${message}`)
}

const ns = (millis: number) => millis * 1_000_000

/**
 * Checks the properties after `command`. `actual` is what the runtime showed; the model has run the same command.
 */
export const check = (
  model: Model,
  command: Command,
  prior: Before,
  actual: Observation,
  only?: ReadonlySet<PropertyName>
): void => {
  const on = (name: PropertyName) => only === undefined || only.has(name)
  const { options } = model
  const answered = model.lastAnswers()

  const values = answered.flatMap((record) =>
    record.answer._tag === "Prefetched"
      ? record.answer.results.flatMap((answer, i) =>
        answer._tag === "Value" ? [{ ...record, answer, ...record.items![i]! }] : []
      )
      : record.answer._tag === "Value"
      ? [{ ...record, answer: record.answer }]
      : []
  )
  for (const record of values) {
    if (record.how === "unchecked") continue
    const call = callOf(model, record.answer.value)
    const result = call.result
    if (result === undefined || result.outcome._tag !== "Success") {
      fail("ttl", `caller #${record.caller} got ${record.answer.value} from a call that did not succeed`)
    }
    if (record.how === "load") continue // a load's own callers get its result, however long it took
    const { maxStale, ttl } = options
    // Rule 2: the TTL is drawn in [ttl(1 - jitter), ttl] and counts from the start of the store call.
    const age = record.at - call.startedAt
    if (on("ttl")) {
      if (record.how === "hit" && age >= ns(ttl)) fail("ttl", `${record.answer.value} served as fresh at age ${age}`)
      // Rule 6: past the TTL only as a stale read, and never past TTL + maxStale.
      if (age >= ns(ttl) + ns(maxStale)) {
        fail("ttl", `${record.answer.value} served (${record.how}) at age ${age}, past TTL + maxStale`)
      }
      const held = call.place.held
      if (record.how === "hit" && held !== undefined && held.n === call.n && !(record.at < held.expiresAt)) {
        fail("ttl", `${record.answer.value} served as fresh at or past its drawn TTL`)
      }
    }
    const startedSeq = seqOf(model, call, "CallStarted")
    // Rule 7: after a revocation, nothing loaded before it is served again.
    if (on("revocation")) {
      for (const other of calls(model, call.key)) {
        const r = other.result
        if (r === undefined || !r.committed || r.outcome._tag !== "Revocation") continue
        if (seqOf(model, other, "CallEnded") > record.seq) continue
        if (seqOf(model, other, "CallStarted") > startedSeq) {
          fail("revocation", `${record.answer.value} served after ${call.key}#${other.n} found it revoked`)
        }
      }
    }
    // Rule 9: a value served from the cache came from a load of the key's current place, and no newer load has
    // committed over it.
    if (on("generations")) {
      if (startedSeq < lastEntered(model, call.key, record.seq)) {
        fail("generations", `${record.answer.value} served, loaded before ${call.key} was invalidated or evicted`)
      }
      for (const other of calls(model, call.key)) {
        const r = other.result
        if (r === undefined || !r.committed || other === call || r.outcome._tag === "Transient") continue
        if (r.outcome._tag === "Defect" || seqOf(model, other, "CallEnded") > record.seq) continue
        if (seqOf(model, other, "CallStarted") > startedSeq) {
          fail("generations", `${record.answer.value} served after the newer ${call.key}#${other.n} committed`)
        }
      }
    }
  }

  // Rule 5: a failure is shared only inside base * 2^(n-1) (at most max) of when it failed, n failures in a row.
  if (on("backoff")) {
    for (const record of answered) {
      if (record.how !== "remembered" || command._tag !== "Read") continue
      const ended = calls(model, record.key)
        .filter((c) => c.result?.committed === true && seqOf(model, c, "CallStarted") > lastEntered(model, record.key))
        .sort((a, b) => seqOf(model, a, "CallEnded") - seqOf(model, b, "CallEnded"))
      let inARow = 0
      for (const c of ended) inARow = c.result!.outcome._tag === "Success" ? 0 : inARow + 1
      const last = ended[ended.length - 1]
      if (last === undefined || inARow === 0) fail("backoff", `caller #${record.caller} got a failure never made`)
      const window = Math.min(ns(options.backoffMax), ns(options.backoffBase) * 2 ** (inARow - 1))
      if (record.at - last!.result!.at >= window) {
        fail(
          "backoff",
          `caller #${record.caller} got a failure ${record.at - last!.result!.at} ns old, window ${window}`
        )
      }
    }
  }

  // Rule 1: at most one store call per key in flight (a call of a key since invalidated or evicted excepted).
  if (on("oneCallInFlight")) {
    for (const [key, n] of Object.entries(actual.pending) as Array<[Key, number]>) {
      const orphans = model.inFlight.filter((c) => c.key === key && model.table.get(key) !== c.place).length
      if (n - orphans > 1) fail("oneCallInFlight", `${n} store calls of ${key} in flight (${orphans} superseded)`)
    }
  }

  // Rule 1: a burst of reads of a cold key makes exactly one store call.
  if (on("burst") && command._tag === "Read" && prior.cold.has(command.key)) {
    const made = (actual.calls[command.key] ?? 0) - (prior.calls[command.key] ?? 0)
    if (made !== 1) fail("burst", `${command.n} reads of cold ${command.key} made ${made} store calls`)
  }

  // Rule 10: eviction at capacity takes the least recently used key (and only at capacity).
  if (on("lru")) {
    for (const e of model.events.slice(prior.events)) {
      if (e._tag !== "Evicted") continue
      if (e.lru.length < options.capacity) fail("lru", `${e.key} evicted below capacity`)
      if (e.lru[0] !== e.key) fail("lru", `${e.key} evicted, the least recently used was ${e.lru[0]}`)
    }
    if (actual.table !== undefined && actual.table.length > options.capacity) {
      fail("lru", `${actual.table.length} keys held at capacity ${options.capacity}`)
    }
  }
}
