// `pnpm start`: a PostgreSQL server of its own, a local Secrets Manager endpoint, and the HTTP service under load
// through two password rotations, single user and then alternating users. It prints what happened when.
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { PostgresServer } from "./postgres.js"
import * as Scenario from "./scenario.js"

// The AWS SDK warns at start-up that its 2027 releases will need Node 22; this project supports Node >= 20, and the
// warning would drown the timeline. (The SDK's own switch; the library itself never touches the environment.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const main = Effect.gen(function*() {
  const postgres = yield* PostgresServer
  yield* Console.log(
    `PostgreSQL ${postgres.version} on 127.0.0.1:${postgres.port} (a temporary data directory), ` +
      `a local Secrets Manager endpoint, the AWS SDK between them.\n`
  )
  for (const strategy of ["single-user", "alternating-users"] as const) {
    const report = yield* Scenario.run(strategy)
    yield* Console.log(report.timeline.join("\n") + "\n")
  }
}).pipe(Effect.provide(Scenario.InfrastructureLive))

NodeRuntime.runMain(main)
