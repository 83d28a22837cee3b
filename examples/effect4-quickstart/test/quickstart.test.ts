import { TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { DemoLive, program, readFromAws } from "../src/program.js"

describe("quickstart", () => {
  // TestIo.withRecording: Effect 4's TestClock does not list pending sleeps, so TestIo.finish reads a recording clock.
  it.effect("narrates one API call for many reads, a hit, rotation after the TTL, stale-if-error and redaction", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const say = (line: string) => Effect.sync(() => void lines.push(line))
      const logger = Logger.make(({ message }) => void lines.push(String(message)))
      const fiber = yield* program(say).pipe(
        Effect.provide(DemoLive),
        Effect.provide(Logger.layer([logger])),
        Effect.forkChild
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
    }).pipe(TestIo.withRecording))

  it.effect("--aws without a region says the SDK is not set up and claims no call to AWS", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const say = (line: string) => Effect.sync(() => void lines.push(line))
      yield* withEnvironment(
        {
          AWS_REGION: undefined,
          AWS_DEFAULT_REGION: undefined,
          AWS_PROFILE: undefined,
          AWS_ENDPOINT_URL: undefined,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: undefined,
          AWS_CONFIG_FILE: "/nonexistent/effect-secrets/config",
          AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/effect-secrets/credentials",
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test"
        },
        readFromAws(["prod/api-key", "prod/db"], say)
      )
      const out = lines.join("\n")
      assert.include(out, "The AWS SDK is not set up, so no request was sent to AWS: no AWS region is configured")
      assert.include(out, "AWS_REGION")
      assert.notInclude(out, "GetSecretValue call")
      assert.notInclude(out, "prod/db", "stopped at the first setup error")
      assert.include(out, "1 read: 0 from the cache, 1 load (1 failed).")
    }))
})

// Runs an effect with some environment variables set or removed, and puts the environment back afterwards.
const withEnvironment = <A, E, R>(variables: Record<string, string | undefined>, effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = { ...process.env }
      for (const [key, value] of Object.entries(variables)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
      return saved
    }),
    () => effect,
    (saved) =>
      Effect.sync(() => {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
        Object.assign(process.env, saved)
      })
  )
