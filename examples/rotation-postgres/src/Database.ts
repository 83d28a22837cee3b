// The application's database access: queries run through one `pg.Pool` per version of the credentials secret, each
// logging in with that version's username and password. `withSecretJson` picks the version (the cached AWSCURRENT;
// after a refused login, a refreshed one or AWSPENDING), and `changes` retires the pools of versions that are no
// longer current, so nothing keeps using an old password after a rotation.
import type { SecretValue } from "@effect-secrets/core"
import { Auth, SecretsService } from "@effect-secrets/core"
import type { SecretsError } from "@effect-secrets/core"
import { Context, Effect, Layer, Redacted, Schema, Stream } from "effect"
import type { QueryResultRow } from "pg"
import { Pool } from "pg"
import type { QueryError } from "./postgres.js"
import { queryError } from "./postgres.js"

// The secret's shape, as Secrets Manager's database rotation templates write it. The password stays `Redacted`:
// it prints as <redacted> everywhere and is unwrapped only into the pool's connection settings.
export const DatabaseCredentials = Schema.Struct({
  engine: Schema.optional(Schema.String),
  host: Schema.String,
  port: Schema.Number,
  dbname: Schema.String,
  username: Schema.String,
  password: Schema.Redacted(Schema.String)
})
export type DatabaseCredentials = typeof DatabaseCredentials.Type

export interface PoolOptions {
  /** Connections per pool. */
  readonly max?: number | undefined
  /** Queries per connection before it is replaced: a new login, with whatever password its pool has. */
  readonly maxUses?: number | undefined
  /** Idle connections are closed after this long (milliseconds). */
  readonly idleTimeoutMillis?: number | undefined
}

/** What happens to the pools, for the example's timeline. */
export type DatabaseEvent =
  | { readonly _tag: "PoolOpened"; readonly versionId: string; readonly username: string }
  | { readonly _tag: "LoginRefused"; readonly versionId: string; readonly username: string; readonly code: string }
  | { readonly _tag: "CurrentVersionChanged"; readonly versionId: string }
  | { readonly _tag: "PoolClosed"; readonly versionId: string; readonly username: string }

export interface QueryResult<Row> {
  readonly rows: ReadonlyArray<Row>
  /** The version of the secret whose credentials ran the query. */
  readonly versionId: string
}

export interface PoolInfo {
  readonly versionId: string
  readonly username: string
  /** Retired: no new query starts on it; it closes when its last query ends. */
  readonly retired: boolean
  readonly closed: boolean
}

export class Database extends Context.Tag("@effect-secrets/example-rotation-postgres/Database")<
  Database,
  {
    readonly query: <Row extends QueryResultRow = QueryResultRow>(
      sql: string,
      params?: ReadonlyArray<unknown>
    ) => Effect.Effect<QueryResult<Row>, QueryError | SecretsError>
    /** Every pool opened so far, open or closed. */
    readonly pools: Effect.Effect<ReadonlyArray<PoolInfo>>
  }
>() {
  static readonly layer = (options: {
    readonly secretId: string
    readonly pool?: PoolOptions | undefined
    readonly onEvent?: ((event: DatabaseEvent) => void) | undefined
  }): Layer.Layer<Database, never, SecretsService> => Layer.scoped(Database, make(options))
}

interface Entry {
  readonly versionId: string
  readonly username: string
  readonly pool: Pool
  inFlight: number
  retired: boolean
  closed: boolean
  ended: Promise<void> | undefined
}

const make = (options: {
  readonly secretId: string
  readonly pool?: PoolOptions | undefined
  readonly onEvent?: ((event: DatabaseEvent) => void) | undefined
}) =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    const emit = options.onEvent ?? (() => {})
    // The pool of each version still in use; retired entries leave it.
    const byVersion = new Map<string, Entry>()
    const all: Array<Entry> = []
    // Versions that stopped being current: a late query with one gets a pool that closes right after it.
    const retiredVersions = new Set<string>()

    const end = (entry: Entry) => {
      entry.ended ??= entry.pool.end().then(() => {
        entry.closed = true
        emit({ _tag: "PoolClosed", versionId: entry.versionId, username: entry.username })
      }, () => void (entry.closed = true))
    }

    // Nothing new starts on a retired pool; it ends once its queries in flight have finished (ending it earlier
    // would strand queries waiting in its queue).
    const retire = (entry: Entry) => {
      entry.retired = true
      if (byVersion.get(entry.versionId) === entry) byVersion.delete(entry.versionId)
      if (entry.inFlight === 0) end(entry)
    }

    const checkout = (secret: SecretValue, credentials: DatabaseCredentials): Entry => {
      let entry = byVersion.get(secret.versionId)
      if (entry === undefined) {
        const pool = new Pool({
          host: credentials.host,
          port: credentials.port,
          database: credentials.dbname,
          user: credentials.username,
          password: Redacted.value(credentials.password),
          // Which version a session logged in with, visible in pg_stat_activity.
          application_name: `rotation-postgres ${secret.versionId.slice(0, 8)}`,
          max: options.pool?.max ?? 10,
          maxUses: options.pool?.maxUses ?? Infinity,
          idleTimeoutMillis: options.pool?.idleTimeoutMillis ?? 10_000,
          connectionTimeoutMillis: 5_000
        })
        // An idle connection that dies (the server restarts) is dropped by the pool; the next query opens another.
        pool.on("error", () => {})
        entry = {
          versionId: secret.versionId,
          username: credentials.username,
          pool,
          inFlight: 0,
          retired: retiredVersions.has(secret.versionId),
          closed: false,
          ended: undefined
        }
        all.push(entry)
        if (!entry.retired) byVersion.set(secret.versionId, entry)
        emit({ _tag: "PoolOpened", versionId: entry.versionId, username: entry.username })
      }
      entry.inFlight++
      return entry
    }

    const checkin = (entry: Entry) => {
      entry.inFlight--
      if (entry.retired && entry.inFlight === 0) end(entry)
    }

    // `changes` emits when a load of AWSCURRENT finds a new version: every other version's pool is retired.
    yield* secrets.changes(options.secretId).pipe(
      Stream.runForEach((secret) =>
        Effect.sync(() => {
          emit({ _tag: "CurrentVersionChanged", versionId: secret.versionId })
          for (const entry of [...byVersion.values()]) {
            if (entry.versionId !== secret.versionId) {
              retiredVersions.add(entry.versionId)
              retire(entry)
            }
          }
        })
      ),
      Effect.forkScoped
    )

    // Closing the layer ends every pool (bounded: a query that never returns does not hold the shutdown).
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => {
        for (const entry of all) {
          entry.retired = true
          end(entry)
        }
        return Promise.all(all.map((entry) => entry.ended))
      }).pipe(Effect.timeout("5 seconds"), Effect.ignore)
    )

    const query = <Row extends QueryResultRow = QueryResultRow>(sql: string, params?: ReadonlyArray<unknown>) =>
      secrets.withSecretJson(
        options.secretId,
        DatabaseCredentials,
        (credentials, secret) =>
          Effect.acquireUseRelease(
            Effect.sync(() => checkout(secret, credentials)),
            (entry) =>
              Effect.tryPromise({
                try: () => entry.pool.query<Row>(sql, params === undefined ? [] : [...params]),
                catch: queryError
              }).pipe(
                Effect.map((result): QueryResult<Row> => ({ rows: result.rows, versionId: entry.versionId })),
                Effect.tapError((error) =>
                  Effect.sync(() => {
                    if (Auth.isPostgresAuthFailure(error)) {
                      emit({
                        _tag: "LoginRefused",
                        versionId: entry.versionId,
                        username: entry.username,
                        code: error.code ?? ""
                      })
                    }
                  })
                )
              ),
            (entry) => Effect.sync(() => checkin(entry))
          ),
        // A refused login (28P01, 28000) means the password changed: find the version that works now.
        { isAuthFailure: Auth.isPostgresAuthFailure }
      )

    const pools = Effect.sync(() =>
      all.map(({ closed, retired, username, versionId }): PoolInfo => ({ versionId, username, retired, closed }))
    )

    return { query, pools }
  })
