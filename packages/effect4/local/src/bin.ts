/**
 * The `secrets-manager-local` command: runs a `LocalSecretsManager` standalone until SIGINT or SIGTERM.
 *
 *     secrets-manager-local [--port N] [--seed file.json] [--region R] [--account-id A] [--allowed-host H]...
 *
 * The seed file is a JSON object from secret name to a string value, or to `{"SecretString": "..."}` or
 * `{"SecretBinary": "<base64>"}`. It is read once; nothing is ever written to disk.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node-shared/NodeFileSystem"
import * as NodeRuntime from "@effect/platform-node-shared/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { LocalSecretsManager } from "./LocalSecretsManager.js"

class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

const usage =
  "Usage: secrets-manager-local [--port N] [--seed file.json] [--region R] [--account-id A] [--allowed-host H]..."

interface Args {
  readonly port: number
  readonly seed: string | undefined
  readonly region: string | undefined
  readonly accountId: string | undefined
  readonly allowedHosts: ReadonlyArray<string>
}

const parseArgs = (argv: ReadonlyArray<string>): Effect.Effect<Args, UsageError> =>
  Effect.suspend(() => {
    const values = new Map<string, string>()
    const allowedHosts: Array<string> = []
    for (let i = 0; i < argv.length; i++) {
      const flag = argv[i]
      if (flag === "--") continue
      if (flag === "--help" || flag === "-h") return Effect.fail(new UsageError({ message: usage }))
      const [name, inline] = flag?.split("=", 2) ?? []
      if (name === undefined || !["--port", "--seed", "--region", "--account-id", "--allowed-host"].includes(name)) {
        return Effect.fail(new UsageError({ message: `Unknown argument ${flag}\n${usage}` }))
      }
      const value = inline ?? argv[++i]
      if (value === undefined) return Effect.fail(new UsageError({ message: `${name} needs a value\n${usage}` }))
      if (name === "--allowed-host") allowedHosts.push(value)
      else values.set(name, value)
    }
    const port = Number(values.get("--port") ?? "0")
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return Effect.fail(new UsageError({ message: `--port must be a port number\n${usage}` }))
    }
    return Effect.succeed({
      port,
      seed: values.get("--seed"),
      region: values.get("--region"),
      accountId: values.get("--account-id"),
      allowedHosts
    })
  })

const SeedValue = Schema.Union([
  Schema.String,
  Schema.Struct({ SecretString: Schema.String }),
  Schema.Struct({ SecretBinary: Schema.Uint8ArrayFromBase64 })
])
const Seed = Schema.fromJsonString(Schema.Record(Schema.String, SeedValue))

const readSeed = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(path)
    // The seed holds secret values: report where it is wrong, never what it contains.
    const seed = yield* Schema.decodeUnknownEffect(Seed)(text).pipe(
      Effect.mapError(() =>
        new UsageError({
          message:
            `${path} must be a JSON object from name to a string, {"SecretString": string} or {"SecretBinary": base64}`
        })
      )
    )
    const secrets: Record<string, string | Uint8Array> = {}
    for (const [name, value] of Object.entries(seed)) {
      secrets[name] = typeof value === "string"
        ? value
        : "SecretString" in value
        ? value.SecretString
        : value.SecretBinary
    }
    return secrets
  })

const main = Effect.gen(function*() {
  const args = yield* parseArgs(process.argv.slice(2))
  const secrets = args.seed === undefined ? {} : yield* readSeed(args.seed)
  const server = LocalSecretsManager.layer({
    port: args.port,
    secrets,
    region: args.region,
    accountId: args.accountId,
    allowedHosts: args.allowedHosts
  })
  const announce = Layer.effectDiscard(
    Effect.flatMap(
      LocalSecretsManager,
      (local) =>
        Console.log(`Secrets Manager (local) listening on ${local.url} with ${Object.keys(secrets).length} secret(s)`)
    )
  )
  return yield* Layer.launch(announce.pipe(Layer.provide(server)))
}).pipe(Effect.provide(NodeFileSystem.layer))

// Usage errors read as a message, not a stack trace; nothing reported here can hold a secret value.
const report = (cause: Cause.Cause<unknown>) => {
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure) && failure.value instanceof UsageError) return Console.error(failure.value.message)
  return Cause.hasInterruptsOnly(cause) ? Effect.void : Console.error(Cause.pretty(cause))
}

// As the Effect 3 bin exits: 0 once stopped by SIGINT or SIGTERM, 1 after a failure (Effect 4's default says 130).
const teardown = <E, A>(exit: Exit.Exit<A, E>, onExit: (code: number) => void) =>
  onExit(Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause) ? 1 : 0)

NodeRuntime.runMain(Effect.tapCause(main, report), { disableErrorReporting: true, teardown })
