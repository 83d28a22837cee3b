/**
 * The model against the README's own examples: a reference is only worth what its obvious cases prove.
 */
import { describe, expect, it } from "vitest"
import type { Command, RunOptions } from "../src/Commands.js"
import { Model } from "../src/Model.js"

const exact: RunOptions = {
  ttl: 100,
  refreshAhead: 1,
  maxStale: 50,
  jitter: 0,
  backoffBase: 10,
  backoffMax: 40,
  capacity: 2,
  minRefreshInterval: 0,
  draws: [0]
}

const play = (commands: ReadonlyArray<Command>, options: RunOptions = exact) => {
  const model = new Model(options)
  return commands.map((command) => model.run(command))
}
const success = (version = "v1") => ({
  _tag: "Success" as const,
  version
})

describe("the model", () => {
  it("rule 1: a burst of reads of a cold key makes one store call, and every reader gets its result", () => {
    const [burst, done] = play([{ _tag: "Read", key: "a", n: 3 }, { _tag: "Complete", key: "a", outcome: success() }])
    expect(burst!.calls).toEqual({ a: 1 })
    expect(done!.answers.map((a) => a.answer)).toEqual(Array(3).fill({ _tag: "Value", value: "a#1:v1" }))
  })

  it("rule 2: fresh below its TTL, loaded again at it", () => {
    const seen = play([
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: success() },
      { _tag: "Advance", millis: 99 },
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Advance", millis: 1 },
      { _tag: "Read", key: "a", n: 1 }
    ])
    expect(seen[3]!.answers).toEqual([{ caller: 2, answer: { _tag: "Value", value: "a#1:v1" } }])
    expect(seen[5]!.calls).toEqual({ a: 2 })
  })

  it("rule 5: a failure is shared for base, then 2 x base, up to max", () => {
    const seen = play([
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Transient" } },
      { _tag: "Advance", millis: 9 },
      { _tag: "Read", key: "a", n: 1 }, // remembered
      { _tag: "Advance", millis: 1 },
      { _tag: "Read", key: "a", n: 1 }, // loads
      { _tag: "Complete", key: "a", outcome: { _tag: "Transient" } },
      { _tag: "Advance", millis: 19 },
      { _tag: "Read", key: "a", n: 1 }, // remembered for 20
      { _tag: "Advance", millis: 1 },
      { _tag: "Read", key: "a", n: 1 } // loads
    ])
    expect(seen[3]!.calls).toEqual({ a: 1 })
    expect(seen[5]!.calls).toEqual({ a: 2 })
    expect(seen[8]!.calls).toEqual({ a: 2 })
    expect(seen[10]!.calls).toEqual({ a: 3 })
  })

  it("rule 6 and 7: a transient failure serves the stale value until TTL + maxStale; a revocation drops it", () => {
    const seen = play([
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: success() },
      { _tag: "Advance", millis: 120 },
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Transient" } },
      { _tag: "Advance", millis: 10 },
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Revocation", error: "SecretNotFound" } }
    ])
    expect(seen[4]!.answers.map((a) => a.answer)).toEqual([{ _tag: "Value", value: "a#1:v1" }])
    expect(seen[4]!.stats.staleReads).toBe(1)
    expect(seen[7]!.answers.map((a) => a.answer)).toEqual([{ _tag: "Error", error: "SecretNotFound" }])
    expect(seen[7]!.stats.size).toBe(0)
  })

  it("rule 9: a load in flight at an invalidation answers its callers but is not cached", () => {
    const seen = play([
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Invalidate", key: "a" },
      { _tag: "Complete", key: "a", outcome: success() },
      { _tag: "Read", key: "a", n: 1 }
    ])
    expect(seen[2]!.answers.map((a) => a.answer)).toEqual([{ _tag: "Value", value: "a#1:v1" }])
    expect(seen[3]!.calls).toEqual({ a: 2 })
  })

  it("rule 10: after gets of a, b, a, c with capacity 2, a is still cached", () => {
    const seen = play([
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: success() },
      { _tag: "Read", key: "b", n: 1 },
      { _tag: "Complete", key: "b", outcome: success() },
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Read", key: "c", n: 1 }
    ])
    expect(seen[5]!.table).toEqual(["a", "c"])
  })
})
