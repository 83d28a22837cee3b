/**
 * Testing code that does real I/O (HTTP to the local endpoint, a database) on Effect's `TestClock`: the I/O moves on
 * Node's event loop by itself; the `TestClock` moves only when a test says so.
 *
 * Effect 4's `TestClock` does not tell which sleeps are pending, so `finish` reads them from a recording clock:
 * provide `TestIo.layer` (or wrap the test in `TestIo.withRecording`) around the `TestClock` first.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/testing/TestClock"
import { performance } from "node:perf_hooks"

const RecordingTypeId = "~@effect-secrets/local/TestIo/Recording"

interface Recording {
  /** The due time, in the clock's milliseconds, of each sleep in progress. */
  readonly [RecordingTypeId]: Map<object, number>
}

const isRecording = (clock: Clock.Clock): clock is Clock.Clock & Recording => RecordingTypeId in clock

/**
 * The clock `clock` with its sleeps recorded; a `TestClock` stays one (`TestClock.adjust` and `setTime` drive it).
 */
const recording = (clock: Clock.Clock): Clock.Clock => {
  if (isRecording(clock)) return clock
  const due = new Map<object, number>()
  const sleep = (duration: Duration.Duration): Effect.Effect<void> =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        const entry = {}
        due.set(entry, clock.currentTimeMillisUnsafe() + Duration.toMillis(duration))
        return entry
      }),
      () => clock.sleep(duration),
      (entry) => Effect.sync(() => due.delete(entry))
    )
  const base: Clock.Clock & Recording = {
    [RecordingTypeId]: due,
    currentTimeMillisUnsafe: () => clock.currentTimeMillisUnsafe(),
    currentTimeMillis: clock.currentTimeMillis,
    currentTimeNanosUnsafe: () => clock.currentTimeNanosUnsafe(),
    currentTimeNanos: clock.currentTimeNanos,
    monotonicTimeNanosUnsafe: () => clock.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: clock.monotonicTimeNanos,
    sleep
  }
  if (!("adjust" in clock)) return base
  const test = clock as TestClock.TestClock
  const recordingTest: TestClock.TestClock & Recording = {
    ...base,
    adjust: (duration) => test.adjust(duration),
    setTime: (timestamp) => test.setTime(timestamp),
    withLive: (effect) => test.withLive(effect)
  }
  return recordingTest
}

/**
 * Replaces the current `Clock` (the `TestClock` in a test) with the same clock recording its sleeps, for `finish` and
 * `sleeps`. Layers built on it, such as a `LocalSecretsManager`'s server, sleep on the recording clock too.
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = Layer.effect(Clock.Clock, Clock.clockWith((clock) => Effect.succeed(recording(clock))))

/**
 * Runs `effect` with the current `Clock` recording its sleeps, for `finish` and `sleeps`.
 *
 * @since 1.0.0
 * @category combinators
 */
export const withRecording = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Clock.clockWith((clock) => Effect.provideService(effect, Clock.Clock, recording(clock)))

/**
 * The due times (the clock's milliseconds) of the sleeps in progress on the recording clock, soonest first: what
 * Effect 3's `TestClock.sleeps()` answered. Empty without `layer` or `withRecording`.
 *
 * @since 1.0.0
 * @category getters
 */
export const sleeps: Effect.Effect<ReadonlyArray<number>> = Clock.clockWith((clock) =>
  Effect.sync(() => isRecording(clock) ? [...clock[RecordingTypeId].values()].sort((a, b) => a - b) : [])
)

/**
 * One turn of Node's event loop: pending I/O callbacks run while the `TestClock` stands still.
 *
 * @since 0.1.0
 * @category combinators
 */
export const ioTurn: Effect.Effect<void> = Effect.callback<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

// One timer phase of Node's event loop (`setTimeout(0)`): I/O callbacks that are ready run before it.
const timerTurn: Effect.Effect<void> = Effect.callback<void>((resume) => {
  const timer = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(timer))
})

// Timer turns until the event loop has been mostly idle for one: at least four (what Effect 3's TestClock gave), more
// while this process works (a large answer is written, read and parsed over many turns), bounded. Idleness is this
// process's own event-loop utilization, so another process keeping the CPU busy does not end it early.
const settle: Effect.Effect<void> = Effect.suspend(() => {
  let last = performance.eventLoopUtilization()
  const loop = (turn: number): Effect.Effect<void> =>
    Effect.flatMap(timerTurn, () => {
      const now = performance.eventLoopUtilization()
      const busy = performance.eventLoopUtilization(now, last).utilization
      last = now
      return turn >= 3 && (busy < 0.5 || turn >= 2_000) ? Effect.void : loop(turn + 1)
    })
  return loop(0)
})

/**
 * Runs a fiber to its end: its real I/O goes on by itself, and whenever it waits on a sleep of the `TestClock` due
 * within `window` milliseconds (a backoff, a TTL, an endpoint's latency), time jumps there. Sleeps due later (a
 * timeout far ahead) never fire by accident. Bounded: dies after `turns` event-loop turns without finishing.
 *
 * Needs the recording clock (`layer` or `withRecording`), and dies at once without it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const finish = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  options: { readonly window?: number | undefined; readonly turns?: number | undefined } = {}
): Effect.Effect<A, E> =>
  Effect.gen(function*() {
    const clock = yield* Clock.clockWith(Effect.succeed)
    if (!isRecording(clock)) {
      return yield* Effect.die(
        new Error(
          "TestIo.finish needs the recording clock: provide TestIo.layer, or wrap the test in TestIo.withRecording"
        )
      )
    }
    const window = options.window ?? 5_000
    const soonest = () => {
      const now = clock.currentTimeMillisUnsafe()
      const due = [...clock[RecordingTypeId].values()].filter((t) => t > now && t - now <= window)
      return due.length > 0 ? Math.min(...due) : undefined
    }
    for (let turn = 0; turn < (options.turns ?? 50_000); turn++) {
      const exit = fiber.pollUnsafe()
      if (exit !== undefined) return yield* exit
      if (soonest() === undefined) {
        yield* ioTurn
        continue
      }
      // An answer already on the wire (loopback HTTP) lands before time jumps past its timeout: Effect 4's TestClock
      // does not turn the event loop, so timer turns run here first, for as long as this process is busy with them.
      yield* settle
      const next = soonest()
      if (fiber.pollUnsafe() === undefined && next !== undefined) yield* TestClock.setTime(next)
    }
    return yield* Effect.die(new Error("TestIo.finish: the fiber did not finish"))
  })
