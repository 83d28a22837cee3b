// The `secrets-manager-local` command as a user runs it, in a child process: from the sources through tsx (the
// package's start script), and built, through bin/secrets-manager-local.mjs. It serves the real SDK, and stops with
// exit code 0 on SIGTERM or SIGINT, as the Effect 3 command does.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as ChildProcess from "node:child_process"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const require = createRequire(import.meta.url)
const tsx = require.resolve("tsx/cli")
const tsc = require.resolve("typescript/bin/tsc")

interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly output: string
}

// A directory inside the package (so a build there resolves this package's node_modules), removed with the scope.
const scratch = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(packageDir, `.bin-test-${randomUUID().slice(0, 8)}-`))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

const seedFile = (dir: string) =>
  Effect.sync(() => {
    const file = Path.join(dir, "seed.json")
    Fs.writeFileSync(file, JSON.stringify({ db: "hunter2", "app/key": { SecretBinary: "AAEC/v8=" } }))
    return file
  })

// Runs to its end, for commands that never listen.
const run = (args: ReadonlyArray<string>) =>
  Effect.callback<Exited>((resume) => {
    const child = ChildProcess.spawn(process.execPath, args, { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString("utf8")))
    child.once("close", (code, signal) => resume(Effect.succeed({ code, signal, output })))
    return Effect.sync(() => void child.kill("SIGKILL"))
  })

interface Running {
  readonly url: string
  /** Sends the signal and waits for the process to end. */
  readonly stop: (signal: NodeJS.Signals) => Effect.Effect<Exited>
}

// Starts the command and waits for its announcement; a process still running when the scope closes is killed.
const start = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      ChildProcess.spawn(process.execPath, args, { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] })
    ),
    (child) => Effect.sync(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")))
  ).pipe(Effect.flatMap((child) =>
    Effect.callback<Running, Error>((resume) => {
      let output = ""
      const exited = new Promise<Exited>((resolve) =>
        child.once("close", (code, signal) => resolve({ code, signal, output }))
      )
      const stop = (signal: NodeJS.Signals) =>
        Effect.promise(() => {
          child.kill(signal)
          return exited
        })
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8")
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
        if (url !== undefined) resume(Effect.succeed({ url, stop }))
      })
      child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString("utf8")))
      void exited.then((exit) => resume(Effect.fail(new Error(`exited before listening: ${exit.output}`))))
    })
  ))

const fromSources = (
  ...args: ReadonlyArray<string>
) => [tsx, "--conditions=@effect-secrets/source", "src/bin.ts", ...args]

const readThroughSdk = (url: string, secretId: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() =>
      new SecretsManagerClient({
        endpoint: url,
        region: "us-east-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        maxAttempts: 1
      })
    ),
    (client) => Effect.promise(() => client.send(new GetSecretValueCommand({ SecretId: secretId }))),
    (client) => Effect.sync(() => client.destroy())
  )

// Whether anything still accepts connections at `url`.
const refuses = (url: string) => Effect.promise(() => fetch(`${url}/_local/calls`).then(() => false, () => true))

const startsServesAndStops = (signal: NodeJS.Signals) =>
  Effect.gen(function*() {
    const dir = yield* scratch
    const seed = yield* seedFile(dir)
    const server = yield* start(fromSources("--port", "0", "--seed", seed, "--region", "eu-west-1"))
    const text = yield* readThroughSdk(server.url, "db")
    assert.strictEqual(text.SecretString, "hunter2")
    assert.match(text.ARN ?? "", /^arn:aws:secretsmanager:eu-west-1:000000000000:secret:db-/)
    const binary = yield* readThroughSdk(server.url, "app/key")
    assert.deepStrictEqual([...(binary.SecretBinary ?? [])], [0, 1, 2, 254, 255])
    const exit = yield* server.stop(signal)
    assert.strictEqual(exit.code, 0)
    assert.include(exit.output, `Secrets Manager (local) listening on ${server.url} with 2 secret(s)`)
    assert.notInclude(exit.output, "hunter2")
    assert.isTrue(yield* refuses(server.url))
  }).pipe(Effect.scoped)

describe("secrets-manager-local", () => {
  it.live(
    "from the sources: serves the seed to the SDK, and SIGTERM stops it with exit code 0",
    () => startsServesAndStops("SIGTERM"),
    60_000
  )

  it.live("from the sources: SIGINT stops it with exit code 0 too", () => startsServesAndStops("SIGINT"), 60_000)

  it.live("built: bin/secrets-manager-local.mjs runs dist/bin.js, and stops on SIGTERM", () =>
    Effect.gen(function*() {
      const dir = yield* scratch
      // The package's own build (tsconfig.build.json), into dist/ next to a copy of the launcher.
      const build = yield* run([tsc, "-p", "tsconfig.build.json", "--outDir", Path.join(dir, "dist")])
      assert.strictEqual(build.code, 0, build.output)
      Fs.mkdirSync(Path.join(dir, "bin"))
      Fs.copyFileSync(
        Path.join(packageDir, "bin/secrets-manager-local.mjs"),
        Path.join(dir, "bin/secrets-manager-local.mjs")
      )
      const server = yield* start([Path.join(dir, "bin/secrets-manager-local.mjs"), "--port", "0"])
      const calls = yield* Effect.promise(() => fetch(`${server.url}/_local/calls`).then((r) => r.json()))
      assert.deepStrictEqual(calls, { calls: 0, operations: {}, secretIds: {} })
      const exit = yield* server.stop("SIGTERM")
      assert.strictEqual(exit.code, 0)
      assert.isTrue(yield* refuses(server.url))
    }).pipe(Effect.scoped), 120_000)

  it.live(
    "without a build the launcher says how to get one; a usage error exits 1 before listening",
    () =>
      Effect.gen(function*() {
        const dir = yield* scratch
        Fs.mkdirSync(Path.join(dir, "bin"))
        Fs.copyFileSync(
          Path.join(packageDir, "bin/secrets-manager-local.mjs"),
          Path.join(dir, "bin/secrets-manager-local.mjs")
        )
        const unbuilt = yield* run([Path.join(dir, "bin/secrets-manager-local.mjs")])
        assert.strictEqual(unbuilt.code, 1)
        assert.include(unbuilt.output, "dist/bin.js is not built")
        const usage = yield* run(fromSources("--port", "99999"))
        assert.strictEqual(usage.code, 1)
        assert.include(usage.output, "--port must be a port number\nUsage: secrets-manager-local")
        const badSeed = Path.join(dir, "bad.json")
        Fs.writeFileSync(badSeed, JSON.stringify({ db: { SecretString: 42, marker: "SEED-MARKER-7" } }))
        const seed = yield* run(fromSources("--seed", badSeed))
        assert.strictEqual(seed.code, 1)
        assert.include(seed.output, "must be a JSON object from name to a string")
        assert.notInclude(seed.output, "SEED-MARKER-7")
      }).pipe(Effect.scoped),
    60_000
  )
})
