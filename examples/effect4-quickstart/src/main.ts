// `pnpm demo:effect4`: the narrated quickstart on an embedded Secrets Manager endpoint.
// `pnpm demo:effect4 --aws <secret-id>...`: read those secrets from real AWS with your own credentials, and nothing else.
import { Effect } from "effect"
import { DemoLive, program, readFromAws } from "./program.js"

const args = process.argv.slice(2).filter((arg) => arg !== "--")
const aws = args.indexOf("--aws")
const main = aws === -1 ? program().pipe(Effect.provide(DemoLive)) : readFromAws(args.slice(aws + 1))

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
