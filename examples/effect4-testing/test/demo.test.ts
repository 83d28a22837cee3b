import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { demo, DemoLive } from "../src/demo.js"

// The `pnpm start` demo, smoke-tested: real HTTP to the local endpoint, nothing sleeps.
describe("demo", () => {
  it.effect("charges three times with one GetSecretValue call and recovers mid-rotation", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      yield* demo((line) => Effect.sync(() => void lines.push(line)))
      const out = lines.join("\n")
      assert.include(out, "3 charges, 1 GetSecretValue call.")
      assert.include(
        out,
        "keys tried: v1, v2 (v1 refused, withSecret found AWSPENDING); 3 GetSecretValue calls in all."
      )
      assert.notInclude(out, "sk_live")
    }).pipe(Effect.provide(DemoLive)))
})
