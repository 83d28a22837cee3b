import { Effect } from "effect"
import { main } from "./program.js"

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
