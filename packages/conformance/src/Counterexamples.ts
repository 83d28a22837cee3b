/**
 * Every command list on which a runtime disagreed with the model, as found (shrunk by fast-check), kept so each
 * runtime replays it for good. A replay holds the model to the README; it fails until the runtime is fixed.
 */
import type { Command, RunOptions } from "./Commands.js"
import type { Deviation } from "./Model.js"

export interface Counterexample {
  /** What the runtime must do, as a test name. */
  readonly name: string
  /** The deviation the runtime showed while it is not fixed (the model follows it in generated runs until then). */
  readonly deviation?: Deviation | undefined
  /** Whether a runtime without a forced refresh of its own (the Effect shells) can replay it. */
  readonly forcedRefresh: boolean
  readonly options: RunOptions
  readonly commands: ReadonlyArray<Command>
}

const base: RunOptions = {
  ttl: 300,
  refreshAhead: 1,
  maxStale: 200,
  jitter: 0,
  backoffBase: 20,
  backoffMax: 160,
  capacity: 3,
  minRefreshInterval: 0,
  draws: [0]
}

export const all: ReadonlyArray<Counterexample> = [
  {
    // Found in review (a harness bug, not the policy's): when `a`'s load ended, a prefetch still waiting on its own
    // batch was finished before a started one that waited on `a`, re-reading `c` and `b` and evicting `a` at capacity
    // 3 before the started one took its stale value. Started prefetches settle first, as in the shell.
    name: "a load's started prefetches settle before the ones still waiting on their own batch",
    forcedRefresh: false,
    options: { ...base, ttl: 40, refreshAhead: 0.25, maxStale: 400, backoffBase: 10, backoffMax: 40, capacity: 3 },
    commands: [
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Prefetch", secretIds: ["c", "b"] },
      { _tag: "Advance", millis: 40 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Success", version: "v1" } },
      { _tag: "Prefetch", secretIds: ["a", "c", "b"] },
      { _tag: "Prefetch", secretIds: ["a"] },
      { _tag: "Read", key: "b@AWSPREVIOUS", n: 2 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Defect" } }
    ]
  },
  {
    // Capacity 2. The prefetch left `a` alone (loading); `a` was invalidated and read again (`a'`), both loads failed,
    // and when the prefetch's own load of `c` ended, its answer for `a` came from `a'`. That late answer is no read of
    // `a'`: it must not make `a'` more recent than `c`, whose readers came after `a'` was read (rule "LRU").
    name: "a prefetch's late answer is not a use of the key: LRU order is the readers' order",
    forcedRefresh: false,
    options: {
      ...base,
      ttl: 70,
      refreshAhead: 0.75,
      maxStale: 100,
      jitter: 0.5,
      backoffBase: 40,
      backoffMax: 40,
      capacity: 2,
      draws: [0, 0.5, 0.75]
    },
    commands: [
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Prefetch", secretIds: ["c", "a"] },
      { _tag: "Complete", key: "a", outcome: { _tag: "Transient" } },
      { _tag: "Invalidate", key: "a" },
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Read", key: "c", n: 2 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Revocation", error: "SecretNotFound" } },
      { _tag: "Complete", key: "c", outcome: { _tag: "Revocation", error: "SecretNotFound" } },
      { _tag: "Read", key: "a@AWSPREVIOUS", n: 1 }
    ]
  },
  {
    // The prefetch left `a` alone (loading); `a` was invalidated, read again, and that load failed. When the
    // prefetch's own load of `c` ends, its answer for `a` is that failure, shared inside its backoff window (rule 5):
    // the service made a third store call for `a` instead.
    name: "a prefetch makes no store call for an id whose failure is inside its backoff window",
    forcedRefresh: false,
    options: { ...base, refreshAhead: 0.75 },
    commands: [
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Prefetch", secretIds: ["c", "a"] },
      { _tag: "Invalidate", key: "a" },
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Success", version: "v1" } },
      { _tag: "Complete", key: "a", outcome: { _tag: "Defect" } },
      { _tag: "Complete", key: "c", outcome: { _tag: "Transient" } }
    ]
  },
  {
    // `b#1` was loaded at 0 with a TTL of 80 ms and expired at 80 ms; a read started `b#2`. A prefetch of `b` then
    // (left alone: loading) must answer with `b#2` when it comes (rule 2), not with the expired `b#1`.
    name: "a prefetch never answers with a value at or past its TTL",
    forcedRefresh: false,
    options: { ...base, ttl: 80, maxStale: 400, backoffBase: 10, backoffMax: 40, capacity: 2, draws: [0.5, 0] },
    commands: [
      { _tag: "Prefetch", secretIds: ["b", "a"] },
      { _tag: "Advance", millis: 80 },
      { _tag: "Complete", key: "b", outcome: { _tag: "Success", version: "v1" } },
      { _tag: "Read", key: "b", n: 2 },
      { _tag: "Prefetch", secretIds: ["b"] }
    ]
  },
  {
    // Draws [0, 0.5]. The load of `b` is superseded by an invalidation: no entry is made, so it takes no start-up
    // spread draw (README silent on draws; the service documents one draw per load, two for a spread entry). `a`
    // then gets jitter draw 0 (TTL 140 ms) and spread 0.5 (refresh-ahead at 52.5 ms): not due at 0 ms.
    name: "a load superseded by an invalidation takes no start-up spread draw",
    forcedRefresh: false,
    options: {
      ...base,
      ttl: 140,
      refreshAhead: 0.75,
      maxStale: 0,
      jitter: 0.25,
      backoffBase: 10,
      backoffMax: 20,
      capacity: 2,
      minRefreshInterval: 100,
      draws: [0, 0.5]
    },
    commands: [
      { _tag: "Refresh", key: "b" },
      { _tag: "Invalidate", key: "b" },
      { _tag: "Complete", key: "b", outcome: { _tag: "Success", version: "v1" } },
      { _tag: "Read", key: "a", n: 1 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Success", version: "v1" } },
      { _tag: "Read", key: "a", n: 1 }
    ]
  },
  {
    // `a` was force-refreshed at 0 (TTL 50 ms, interval 100 ms); its value expires at 50 ms. A second forced refresh
    // at 50 ms, inside the interval, must load (rule 2), not answer the expired value.
    name: "a forced refresh inside its interval never answers with a value at or past its TTL",
    forcedRefresh: true,
    options: { ...base, ttl: 50, maxStale: 0, backoffBase: 10, backoffMax: 80, capacity: 4, minRefreshInterval: 100 },
    commands: [
      { _tag: "ForceRefresh", key: "a" },
      { _tag: "Advance", millis: 50 },
      { _tag: "Complete", key: "a", outcome: { _tag: "Success", version: "v1" } },
      { _tag: "ForceRefresh", key: "a" }
    ]
  }
]
