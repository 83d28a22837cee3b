// The README's snippet for the AWS SDK alone is test/readme/sdk.ts, word for word: type-checked with the tests, and
// run here. (The snippet with @effect-secrets/aws needs a package this one does not depend on.)
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const snippets = [...readme.matchAll(/```ts\n(.*?)```/gs)].map((match) => match[1]!)

describe("README", () => {
  it.effect("the AWS SDK snippet is test/readme/sdk.ts, and it runs to its end", () =>
    Effect.gen(function*() {
      const file = readFileSync(new URL("./readme/sdk.ts", import.meta.url), "utf8")
      assert.include(snippets, file)
      // Importing runs it: the import completes once the program has, server stopped included.
      yield* Effect.promise(() => import("./readme/sdk.js"))
    }))

  it.effect("the snippet with @effect-secrets/aws runs its program and connects the layer to the endpoint", () =>
    Effect.sync(() => {
      const snippet = snippets.find((text) => text.includes("@effect-secrets/aws"))
      assert.isDefined(snippet)
      assert.include(snippet, "AwsSecrets.layer({ clientConfig: local.clientConfig })")
      assert.include(snippet, "NodeRuntime.runMain(")
    }))
})
