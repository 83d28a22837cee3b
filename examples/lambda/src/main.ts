// `pnpm start`: two simulated Lambda containers against a local Secrets Manager, in this process.
import { Effect } from "effect"
import type { LoadContainer } from "./program.js"
import { DemoLive, program } from "./program.js"

// The AWS SDK warns at start-up that its 2027 releases will need Node 22; this project supports Node >= 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

// Node evaluates a module once per URL: a new query string is a new evaluation, i.e. a new container.
const loadContainer: LoadContainer = (container) => import(`./handler.js?container=${container}`)

Effect.runPromise(program(loadContainer).pipe(Effect.provide(DemoLive))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
