/**
 * A discrete-event simulation of Effect programs: simulated time, and fibers run only when the driver says so.
 *
 * Effect 3's `TestClock` cannot drive a fleet: `TestClock.adjust` wakes one sleep at a time and, per wake-up, waits
 * for every fiber to suspend with real `setTimeout(0)` round trips and sorts all pending sleeps (milliseconds each),
 * and a fleet of 1,000 processes makes millions of wake-ups. Here two small pieces replace it:
 *
 * - `clock`: an Effect `Clock` whose time is a number the driver sets; `sleep` registers `(deadline, resume)` in a
 *   binary min-heap (ordered by deadline, then by registration order) through `Effect.async`, and an interrupted
 *   sleep only marks its timer cancelled.
 * - `scheduler`: an Effect `Scheduler` that queues fiber tasks (a fiber's first run, its resumption after a sleep, a
 *   `Deferred` or a join, a `yieldNow`) in one FIFO queue instead of handing them to the event loop. Every fiber
 *   forked from a fiber started with it inherits it (it is a FiberRef), so the whole simulated world runs on it.
 *
 * The drain scheme: the driver runs queued tasks until the queue is empty. Then no fiber can make progress without
 * time passing (each one waits for a sleep, or for something that waits for a sleep), which is exactly when the
 * simulated instant is over. It moves time to the earliest deadline, resumes every sleep due then (in the order they
 * were registered), and drains again. There is no guess about "long enough" (no `yieldNow` polling, no real timers):
 * the queue being empty is the proof of quiescence. Nothing reads real time, so two runs make the same calls in the
 * same order and print the same numbers.
 */
import type { Fiber, Scheduler } from "effect"
import { Clock, Duration, Effect, FiberRef } from "effect"

// Wall-clock reading of simulated time 0 (2024-01-01T00:00:00Z); monotonic nanoseconds start at 1 s so none is 0.
const EPOCH_MILLIS = 1_704_067_200_000
const NANOS_OFFSET = 1e9

interface Timer {
  readonly at: number
  readonly seq: number
  readonly fire: () => void
  cancelled: boolean
}

/** A binary min-heap of timers by (deadline, registration order): ties wake in the order they were registered. */
class TimerHeap {
  private readonly items: Array<Timer> = []
  get size(): number {
    return this.items.length
  }
  peek(): Timer | undefined {
    return this.items[0]
  }
  push(timer: Timer): void {
    const items = this.items
    items.push(timer)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(timer, items[parent]!)) break
      items[i] = items[parent]!
      i = parent
    }
    items[i] = timer
  }
  pop(): Timer | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    let i = 0
    const n = items.length
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && before(items[right]!, items[left]!) ? right : left
      if (!before(items[child]!, last)) break
      items[i] = items[child]!
      i = child
    }
    items[i] = last
    return top
  }
}

const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)

/** Fiber tasks in one FIFO queue, run by `drain`. Yields like Effect's default scheduler (after 2,048 ops). */
class QueueScheduler implements Scheduler.Scheduler {
  private queue: Array<Scheduler.Task | undefined> = []
  private head = 0
  tasks = 0
  scheduleTask(task: Scheduler.Task): void {
    this.queue.push(task)
  }
  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return fiber.currentOpCount > fiber.getFiberRef(FiberRef.currentMaxOpsBeforeYield)
      ? fiber.getFiberRef(FiberRef.currentSchedulingPriority)
      : false
  }
  /** Runs tasks (and the tasks they queue) until none is left. */
  drain(): void {
    while (this.head < this.queue.length) {
      const task = this.queue[this.head]!
      this.queue[this.head++] = undefined
      this.tasks++
      task()
      if (this.head >= 65_536 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
    }
    this.queue = []
    this.head = 0
  }
}

export interface Simulation {
  /** An Effect `Clock` on simulated time: give it to a layer with `Effect.withClock` before the layer is built. */
  readonly clock: Clock.Clock
  /** The scheduler every simulated fiber runs on (`Effect.runFork(effect, { scheduler })`). */
  readonly scheduler: Scheduler.Scheduler
  /** Simulated milliseconds since the start. */
  readonly now: () => number
  /** Waits until simulated time `at` (milliseconds since the start); at once when it has passed. */
  readonly sleepUntil: (at: number) => Effect.Effect<void>
  /** Starts a fiber in the simulation; it runs up to its first wait at once (synchronously). */
  readonly fork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.RuntimeFiber<A, E>
  /** Runs queued fiber tasks until none is left, without moving time. */
  readonly drain: () => void
  /**
   * Advances simulated time up to `horizon`, instant by instant, for at most `sliceMillis` of real time (so the
   * caller can let its event loop breathe between slices). Returns true once the horizon is reached or nothing is
   * left to wake; false when the slice ran out first.
   */
  readonly run: (horizon: number, sliceMillis: number) => boolean
  /** How many sleeps were resumed and how many fiber tasks ran. */
  readonly counters: () => { readonly wakeUps: number; readonly tasks: number }
}

export const makeSimulation = (): Simulation => {
  const heap = new TimerHeap()
  const scheduler = new QueueScheduler()
  let now = 0
  let seq = 0
  let wakeUps = 0

  const sleepUntil = (at: number): Effect.Effect<void> =>
    Effect.async<void>((resume) => {
      const timer: Timer = { at: Math.max(at, now), seq: seq++, fire: () => resume(Effect.void), cancelled: false }
      heap.push(timer)
      return Effect.sync(() => {
        timer.cancelled = true
      })
    })

  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => EPOCH_MILLIS + now,
    currentTimeMillis: Effect.sync(() => EPOCH_MILLIS + now),
    unsafeCurrentTimeNanos: () => BigInt(Math.round(now * 1e6 + NANOS_OFFSET)),
    currentTimeNanos: Effect.sync(() => BigInt(Math.round(now * 1e6 + NANOS_OFFSET))),
    sleep: (duration) => sleepUntil(now + Duration.toMillis(duration))
  }

  const run = (horizon: number, sliceMillis: number): boolean => {
    const stopAt = performance.now() + sliceMillis
    let steps = 0
    scheduler.drain()
    for (;;) {
      const next = heap.peek()
      if (next === undefined) return true
      if (next.at > horizon) {
        now = horizon
        return true
      }
      now = next.at
      // Every sleep due at this instant resumes before any of them runs, in registration order.
      for (let timer = heap.peek(); timer !== undefined && timer.at <= now; timer = heap.peek()) {
        heap.pop()
        if (timer.cancelled) continue
        wakeUps++
        timer.fire()
      }
      scheduler.drain()
      // Reading real time is only about when to pause, never about what happens: it cannot change the outcome.
      if (++steps % 256 === 0 && performance.now() >= stopAt) return false
    }
  }

  return {
    clock,
    scheduler,
    now: () => now,
    sleepUntil,
    fork: (effect) => Effect.runFork(effect, { scheduler }),
    drain: () => scheduler.drain(),
    run,
    counters: () => ({ wakeUps, tasks: scheduler.tasks })
  }
}
