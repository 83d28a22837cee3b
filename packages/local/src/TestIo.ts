/**
 * Testing code that does real I/O (HTTP to the local endpoint, a database) on Effect's `TestClock`: the I/O moves on
 * Node's event loop by itself; the `TestClock` moves only when a test says so.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { performance } from "node:perf_hooks"

/**
 * One turn of Node's event loop: pending I/O callbacks run while the `TestClock` stands still.
 *
 * @since 0.1.0
 * @category combinators
 */
export const ioTurn: Effect.Effect<void> = Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void)))

// One timer phase of Node's event loop (`setTimeout(0)`): I/O callbacks that are ready run before it.
const timerTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const timer = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(timer))
})

// Timer turns until the event loop has been mostly idle for one: at least four, more while this process works (a
// large answer is written, read and parsed over many turns), bounded. Idleness is this process's own event-loop
// utilization, so another process keeping the CPU busy does not end it early.
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
 * @since 0.1.0
 * @category combinators
 */
export const finish = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  options: { readonly window?: number | undefined; readonly turns?: number | undefined } = {}
): Effect.Effect<A, E> =>
  Effect.gen(function*() {
    const window = options.window ?? 5_000
    for (let turn = 0; turn < (options.turns ?? 50_000); turn++) {
      const exit = fiber.unsafePoll()
      if (exit !== null) return yield* exit
      const now = yield* Clock.currentTimeMillis
      const due = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((t) => t > now && t - now <= window)
      if (due.length === 0) {
        yield* ioTurn
        continue
      }
      // An answer on the wire (loopback HTTP) lands before time jumps past its timeout, however large it is.
      yield* settle
      if (fiber.unsafePoll() !== null) continue
      const later = yield* Clock.currentTimeMillis
      const next = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((t) => t > later && t - later <= window)
      if (next.length > 0) yield* TestClock.setTime(Math.min(...next))
    }
    return yield* Effect.dieMessage("TestIo.finish: the fiber did not finish")
  })
