import { TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { DemoLive, program } from "../src/program.js"

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
      yield* TestIo.finish(fiber, { window: 3000 })
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
