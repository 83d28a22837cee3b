import { assert, describe, it } from "@effect/vitest"
import type { Fiber } from "effect"
import { Chunk, Clock, Effect, Logger, TestClock } from "effect"
import { DemoLive, program } from "../src/program.js"

// One turn of Node's event loop: real I/O moves while the TestClock stands still.
const ioTurn = Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void)))

// Runs the demo to its end on the TestClock: its HTTP calls happen for real; whenever it waits on a sleep (the TTL,
// the endpoint's latency, a retry's backoff), time jumps there.
const finish = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 50_000; turn++) {
      const exit = fiber.unsafePoll()
      if (exit !== null) return yield* exit
      const now = yield* Clock.currentTimeMillis
      const due = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((t) => t > now && t - now <= 3_000)
      if (due.length > 0) yield* TestClock.setTime(Math.min(...due))
      else yield* ioTurn
    }
    return yield* Effect.dieMessage("the demo did not finish")
  })

describe("quickstart", () => {
  it.effect("narrates one API call for many reads, a hit, rotation after the TTL, stale-if-error and redaction", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const say = (line: string) => Effect.sync(() => void lines.push(line))
      const logger = Logger.make(({ message }) => void lines.push(String(message)))
      const fiber = yield* program(say).pipe(
        Effect.provide(DemoLive),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Effect.fork
      )
      yield* finish(fiber)
      const out = lines.join("\n")
      assert.include(out, "1000 concurrent reads of a cold secret: 1 API call, all got \"key-v1\"")
      assert.include(out, "Another read is a cache hit: 0 API calls")
      assert.include(out, "before the TTL the cache still serves \"key-v1\"")
      assert.include(out, "After the TTL the next read loads \"key-v2\": 1 API call")
      assert.include(out, "answered with \"key-v2\" (stale-if-error) after 2 API calls")
      assert.include(out, "\"password\":\"<redacted>\"")
      assert.notInclude(out, "s3cr3t-v1")
    }))
})
