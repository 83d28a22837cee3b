// `pnpm start`: the billing program on the production layer, against a local Secrets Manager in this process.
import { Effect } from "effect"
import { demo, DemoLive } from "./demo.js"

Effect.runPromise(demo().pipe(Effect.provide(DemoLive))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
