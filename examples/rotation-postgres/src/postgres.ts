// A throwaway PostgreSQL server for the example and its test: the machine's own binaries, a fresh data directory in a
// temporary folder, a free port on 127.0.0.1, password logins (SCRAM) required over TCP for every user, and a
// superuser reachable only over a unix socket in that folder. It is stopped and deleted when its scope closes.
import { Context, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { Scope } from "effect"
import { execFile } from "node:child_process"
import * as Fs from "node:fs/promises"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import type { QueryResultRow } from "pg"
import { Client, Pool } from "pg"

/** A command of the harness failed (a binary is missing, initdb or pg_ctl failed, the admin connection failed). */
export class PostgresHarnessError extends Schema.TaggedError<PostgresHarnessError>()("PostgresHarnessError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * A query or a login failed. `code` is PostgreSQL's SQLSTATE (`28P01`: wrong password), where the server sent one;
 * `Auth.isPostgresAuthFailure` reads it.
 */
export class QueryError extends Schema.TaggedError<QueryError>()("QueryError", {
  code: Schema.optional(Schema.String),
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

export const queryError = (cause: unknown): QueryError => {
  const code = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined
  return new QueryError({ code, message: cause instanceof Error ? cause.message : String(cause), cause })
}

export class PostgresServer extends Context.Tag("@effect-secrets/example-rotation-postgres/PostgresServer")<
  PostgresServer,
  {
    readonly host: "127.0.0.1"
    readonly port: number
    /** PostgreSQL's major version, e.g. `15`. */
    readonly version: string
    /** Runs SQL as the superuser over the unix socket: how the rotation's setSecret step changes passwords. */
    readonly admin: <Row extends QueryResultRow = QueryResultRow>(
      sql: string,
      params?: ReadonlyArray<unknown>
    ) => Effect.Effect<ReadonlyArray<Row>, QueryError>
    /** Logs in over TCP as `user` and runs `SELECT current_user`: how testSecret checks a password. */
    readonly login: (user: string, password: Redacted.Redacted<string>) => Effect.Effect<string, QueryError>
  }
>() {
  static readonly layer: Layer.Layer<PostgresServer, PostgresHarnessError> = Layer.scoped(
    PostgresServer,
    Effect.suspend(() => make)
  )
}

const run = (command: string, args: ReadonlyArray<string>, options?: { readonly asPostgres?: boolean }) =>
  Effect.async<string, PostgresHarnessError>((resume, signal) => {
    // PostgreSQL refuses to run as root: as root, its binaries run as the `postgres` system user.
    const [file, argv] = options?.asPostgres === true && process.getuid?.() === 0
      ? ["runuser", ["-u", "postgres", "--", command, ...args]]
      : [command, [...args]]
    execFile(file, argv, { cwd: Os.tmpdir(), signal, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error === null) return resume(Effect.succeed(stdout))
      resume(Effect.fail(
        new PostgresHarnessError({
          message: `${Path.basename(command)} failed: ${
            (stderr || error.message).trim().split("\n").slice(-3).join(" ")
          }`,
          cause: error
        })
      ))
    })
  })

// The binaries on PATH, else Debian's /usr/lib/postgresql/<version>/bin (newest first), where `apt-get install
// postgresql` puts them without linking them onto PATH.
const findBinaries = Effect.gen(function*() {
  const onPath = yield* Effect.option(run("sh", ["-c", "command -v initdb"]))
  const candidates: Array<string> = []
  if (Option.isSome(onPath) && onPath.value.trim() !== "") {
    candidates.push(Path.dirname(yield* Effect.promise(() => Fs.realpath(onPath.value.trim()))))
  }
  const debian = yield* Effect.promise(() => Fs.readdir("/usr/lib/postgresql").catch(() => [] as Array<string>))
  for (const version of debian.sort((a, b) => Number(b) - Number(a))) {
    candidates.push(`/usr/lib/postgresql/${version}/bin`)
  }
  for (const dir of candidates) {
    const ok = yield* Effect.promise(() =>
      Promise.all(["initdb", "pg_ctl", "postgres"].map((bin) => Fs.access(Path.join(dir, bin)))).then(
        () => true,
        () => false
      )
    )
    if (ok) return dir
  }
  return yield* new PostgresHarnessError({
    message: "PostgreSQL's binaries (initdb, pg_ctl, postgres) are neither on PATH nor in /usr/lib/postgresql/*/bin; " +
      "install them, e.g. apt-get install postgresql"
  })
})

const freePort = Effect.async<number, PostgresHarnessError>((resume) => {
  const server = Net.createServer()
  server.once("error", (cause) => resume(Effect.fail(new PostgresHarnessError({ message: "no free port", cause }))))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const owner = Effect.gen(function*() {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number((yield* run("id", ["-u", "postgres"])).trim())
  const gid = Number((yield* run("id", ["-g", "postgres"])).trim())
  return { uid, gid }
})

const start = Effect.gen(function*() {
  const bin = yield* findBinaries
  const version = (yield* run(Path.join(bin, "postgres"), ["--version"])).match(/(\d+)(\.\d+)?/)?.[1] ?? "?"
  const port = yield* freePort
  const dir = yield* Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "effect-secrets-pg-")))
  const data = Path.join(dir, "data")
  const user = yield* owner
  if (user !== undefined) yield* Effect.promise(() => Fs.chown(dir, user.uid, user.gid))
  return { bin, version, port, dir, data }
})

const make: Effect.Effect<PostgresServer["Type"], PostgresHarnessError, Scope.Scope> = Effect.gen(function*() {
  const { bin, data, dir, port, version } = yield* Effect.acquireRelease(
    start,
    ({ dir }) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true }))
  )
  yield* run(Path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], {
    asPostgres: true
  })
  // Every TCP login needs its password (SCRAM), so a wrong one fails with 28P01; the superuser logs in only over
  // the unix socket, which lives in the temporary folder.
  yield* Effect.promise(() =>
    Fs.writeFile(
      Path.join(data, "pg_hba.conf"),
      "local all postgres trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
    )
  )
  yield* Effect.promise(() =>
    Fs.appendFile(
      Path.join(data, "postgresql.conf"),
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${port}`,
        `unix_socket_directories = '${dir}'`,
        "password_encryption = 'scram-sha-256'",
        "max_connections = 100",
        "fsync = off",
        "log_min_messages = fatal",
        ""
      ].join("\n")
    )
  )
  const pgCtl = Path.join(bin, "pg_ctl")
  yield* Effect.acquireRelease(
    run(pgCtl, ["start", "-D", data, "-w", "-t", "30", "-l", Path.join(dir, "server.log")], { asPostgres: true }),
    () =>
      run(pgCtl, ["stop", "-D", data, "-m", "fast", "-w", "-t", "20"], { asPostgres: true }).pipe(
        Effect.timeout("25 seconds"),
        Effect.catchAll((error) => Effect.logWarning(`could not stop PostgreSQL: ${error.message}`))
      )
  )

  // A small superuser pool over the unix socket, closed before the server stops.
  const admin = yield* Effect.acquireRelease(
    Effect.sync(() => new Pool({ host: dir, port, user: "postgres", database: "postgres", max: 2 })),
    (pool) => Effect.promise(() => pool.end()).pipe(Effect.timeout(Duration.seconds(5)), Effect.ignore)
  )
  const adminQuery = <Row extends QueryResultRow>(sql: string, params?: ReadonlyArray<unknown>) =>
    Effect.map(
      Effect.tryPromise({
        try: () => admin.query<Row>(sql, params === undefined ? [] : [...params]),
        catch: queryError
      }),
      (result) => result.rows
    )
  yield* Effect.mapError(
    adminQuery("SELECT 1"),
    (cause) => new PostgresHarnessError({ message: `the superuser cannot connect: ${cause.message}`, cause })
  )

  const login = (user: string, password: Redacted.Redacted<string>) =>
    Effect.acquireUseRelease(
      Effect.tryPromise({
        try: async () => {
          const client = new Client({
            host: "127.0.0.1",
            port,
            user,
            password: Redacted.value(password),
            database: "postgres",
            connectionTimeoutMillis: 5_000
          })
          client.on("error", () => {}) // a server shutdown while idle is not this caller's failure
          await client.connect()
          return client
        },
        catch: queryError
      }),
      (client) =>
        Effect.tryPromise({
          try: () => client.query<{ user: string }>("SELECT current_user AS user"),
          catch: queryError
        }).pipe(Effect.map((result) => result.rows[0]?.user ?? "")),
      (client) => Effect.promise(() => client.end().catch(() => undefined))
    )

  return {
    host: "127.0.0.1",
    port,
    version,
    admin: adminQuery,
    login
  } as const
})
