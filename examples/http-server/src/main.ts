// `pnpm start`: the API, a local Secrets Manager and a bounded load test, in this process; it ends by itself.
import { Effect } from "effect"
import { DemoLive, program } from "./program.js"

// The AWS SDK warns at start-up that its 2027 releases will need Node 22; this project supports Node >= 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

Effect.runPromise(program().pipe(Effect.provide(DemoLive))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
