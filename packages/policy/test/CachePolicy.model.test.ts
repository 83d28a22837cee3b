/**
 * Model-based tests of the cache policy: generated command sequences run against the naive model
 * (`@effect-secrets/conformance`) and the policy driven by a minimal runtime (`PolicyHarness`, which carries out the
 * policy's decisions as the Effect 3 shell does). After every command they agree on what callers get, on the store
 * calls, on the stats and on the keys in the table, and every property holds. A failure prints the seed, the
 * replay path and the shrunk command list; each one found is replayed below for good.
 */
import { Counterexamples, type Model, type Properties, Run } from "@effect-secrets/conformance"
import * as fc from "fast-check"
import { describe, it } from "vitest"
import * as PolicyHarness from "./PolicyHarness.js"

const runs = { numRuns: Number(process.env.RUNS ?? 1000) } as const

// Deviations of the runtime from the README that generated runs tolerate until they are fixed, so they keep finding
// other differences; each has a replay test below that holds the model to the README (and fails until then).
const known: ReadonlySet<Model.Deviation> = new Set(
  Counterexamples.all.flatMap((c) => c.deviation === undefined ? [] : [c.deviation])
)

describe("the cache policy agrees with the naive model", () => {
  it("on every command of generated runs, with every property", () => {
    fc.assert(Run.property(PolicyHarness.make, {}, { deviations: known }), runs)
  }, 60_000)

  const focus = (name: Properties.PropertyName) => () =>
    fc.assert(Run.property(PolicyHarness.make, Run.focused[name], { deviations: known }), runs)

  it(
    "a value is never served at or past its TTL except as a stale read, never past TTL + maxStale",
    focus("ttl"),
    60_000
  )
  it("after a revocation the old value is never served again", focus("revocation"), 60_000)
  it("at most one store call per key is in flight", focus("oneCallInFlight"), 60_000)
  it("a burst of reads of a cold key makes exactly one store call", focus("burst"), 60_000)
  it("a failure is never remembered past its backoff, which doubles up to its max", focus("backoff"), 60_000)
  it("eviction at capacity takes exactly the least recently used key", focus("lru"), 60_000)
  it("an older load never overwrites a newer load, an invalidation or an eviction", focus("generations"), 60_000)
})

describe("counterexamples found by the model, replayed as recorded", () => {
  for (const counterexample of Counterexamples.all) {
    it(counterexample.name, () => Run.replay(PolicyHarness.make, counterexample.options, counterexample.commands))
  }
})
