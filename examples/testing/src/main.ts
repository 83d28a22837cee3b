// `pnpm start`: the billing program on the production layer, against a local Secrets Manager in this process.
import { Effect } from "effect"
import { demo, DemoLive } from "./demo.js"

// The AWS SDK warns at start-up that its 2027 releases will need Node 22; this project supports Node >= 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

Effect.runPromise(demo().pipe(Effect.provide(DemoLive))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
