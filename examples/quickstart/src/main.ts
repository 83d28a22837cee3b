// `pnpm demo`: the narrated quickstart on an embedded Secrets Manager endpoint.
// `pnpm demo --aws <secret-id>...`: read those secrets from real AWS with your own credentials, and nothing else.
import { Effect } from "effect"
import { DemoLive, program, readFromAws } from "./program.js"

// The AWS SDK warns at start-up that its 2027 releases will need Node 22; this project supports Node >= 20, and the
// warning would drown the narration. (The SDK's own switch; the library itself never touches the environment.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const args = process.argv.slice(2).filter((arg) => arg !== "--")
const aws = args.indexOf("--aws")
const main = aws === -1 ? program().pipe(Effect.provide(DemoLive)) : readFromAws(args.slice(aws + 1))

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
