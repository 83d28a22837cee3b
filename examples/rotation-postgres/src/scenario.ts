// One rotation under load, end to end: a PostgreSQL role and its credentials secret, the HTTP service reading them
// through `SecretsService` (the AWS SDK against the local Secrets Manager endpoint), a bounded load of concurrent
// requests, and AWS's four rotation steps in the middle of it. It returns what happened, with a timeline.
import { AwsSecrets } from "@effect-secrets/aws"
import { LocalSecretsManager } from "@effect-secrets/local"
import { HttpServer } from "@effect/platform"
import { Duration, Effect, Layer, Redacted } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import { escapeIdentifier, escapeLiteral } from "pg"
import type { DatabaseEvent, PoolInfo, PoolOptions } from "./Database.js"
import { Database } from "./Database.js"
import { HttpLive } from "./Http.js"
import * as Load from "./load.js"
import { PostgresServer } from "./postgres.js"
import type { Strategy } from "./Rotation.js"
import { Rotation } from "./Rotation.js"

export interface ScenarioOptions {
  /** The cache's TTL: how long after finishSecret the service may still read the old AWSCURRENT. */
  readonly timeToLive: Duration.DurationInput
  /** Load before the rotation starts. */
  readonly warmUp: Duration.DurationInput
  /** Between testSecret and finishSecret (real rotations leave seconds to minutes here). */
  readonly finishDelay: Duration.DurationInput
  /** Load after finishSecret, past the TTL, so the service moves to the new version. */
  readonly settle: Duration.DurationInput
  readonly concurrency: number
  /** Caps: the load stops by itself at whichever comes first. */
  readonly maxRequests: number
  readonly maxDuration: Duration.DurationInput
  /** Small pools that recycle connections, so the rotation really forces new logins. */
  readonly pool: PoolOptions
}

export const defaults: ScenarioOptions = {
  timeToLive: "2 seconds",
  warmUp: "1 second",
  finishDelay: "4 seconds",
  settle: "4 seconds",
  concurrency: 12,
  maxRequests: 100_000,
  maxDuration: "30 seconds",
  pool: { max: 4, maxUses: 25, idleTimeoutMillis: 1_000 }
}

export interface ScenarioReport {
  readonly strategy: Strategy
  readonly timeline: ReadonlyArray<string>
  readonly load: Load.LoadReport
  /** GetSecretValue calls the service made from createSecret to the end of the load. */
  readonly serviceCalls: number
  /** Calls the rotation function made (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage). */
  readonly rotationCalls: number
  /** Logins the database refused (28P01), every one of which `withSecret` recovered from. */
  readonly loginsRefused: number
  readonly oldVersion: { readonly versionId: string; readonly username: string }
  readonly newVersion: { readonly versionId: string; readonly username: string }
  /** The service's pools at the end. */
  readonly pools: ReadonlyArray<PoolInfo>
  /** Sessions in pg_stat_activity opened with the old version's credentials, at the end. */
  readonly oldVersionSessions: number
  /** Answers from one TTL (plus a second for requests in flight) after finishSecret on: all on the new version. */
  readonly afterTtl: {
    readonly answers: number
    readonly withOldVersion: number
    readonly users: ReadonlyArray<string>
  }
  /** Whether a login with the old credentials fails now (single user: it must; alternating: it still works). */
  readonly oldCredentialsRejected: boolean
}

const short = (versionId: string) => versionId.slice(0, 8)
const newPassword = () => Redacted.make(randomBytes(24).toString("base64url"))

/** Prints as `+  1234 ms  what happened`, relative to the scenario's start. */
const makeTimeline = () => {
  const started = performance.now()
  const lines: Array<string> = []
  const seen = new Set<string>()
  const at = () => Math.round(performance.now() - started)
  const mark = (text: string) => void lines.push(`+${String(at()).padStart(6)} ms  ${text}`)
  return {
    lines,
    at,
    mark,
    once: (key: string, text: () => string) => {
      if (seen.has(key)) return
      seen.add(key)
      mark(text())
    }
  }
}

export const run = (strategy: Strategy, options: ScenarioOptions = defaults) =>
  Effect.gen(function*() {
    const postgres = yield* PostgresServer
    const local = yield* LocalSecretsManager
    const secretId = `rotation/${strategy}`
    const timeline = makeTimeline()

    // The database users and the secret, as an operator would have set them up before the first rotation.
    const password = newPassword()
    const user = strategy === "single-user" ? "app" : "app_a"
    yield* postgres.admin(
      `CREATE ROLE ${escapeIdentifier(user)} LOGIN PASSWORD ${escapeLiteral(Redacted.value(password))}`
    )
    if (strategy === "alternating-users") {
      // The second user exists with a password nobody knows; its first rotation gives it one.
      yield* postgres.admin(`CREATE ROLE app_b LOGIN PASSWORD ${escapeLiteral(Redacted.value(newPassword()))}`)
    }
    const { arn, versionId: firstVersion } = yield* Effect.orDie(local.createSecret(
      secretId,
      JSON.stringify({
        engine: "postgres",
        host: postgres.host,
        port: postgres.port,
        dbname: "postgres",
        username: user,
        password: Redacted.value(password)
      })
    ))

    let loginsRefused = 0
    const onEvent = (event: DatabaseEvent) => {
      switch (event._tag) {
        case "PoolOpened":
          return timeline.mark(`pool opened for version ${short(event.versionId)} (user ${event.username})`)
        case "LoginRefused":
          loginsRefused++
          return timeline.once(
            "refused",
            () =>
              `first login refused: version ${short(event.versionId)}, SQLSTATE ${event.code}; withSecret looks ` +
              `for the credential that works now`
          )
        case "CurrentVersionChanged":
          return timeline.mark(
            `changes(): AWSCURRENT is now version ${short(event.versionId)}; pools of other versions retired`
          )
        case "PoolClosed":
          return timeline.mark(`pool of version ${short(event.versionId)} (user ${event.username}) drained and closed`)
      }
    }
    let lastOld: number | undefined
    let switchedBy = Infinity
    const afterTtl = { answers: 0, withOldVersion: 0, users: new Set<string>() }
    const onAnswer = (answer: Load.Answer) => {
      if (answer._tag === "Failed") return timeline.once("failed", () => `first failed request: ${answer.reason}`)
      const old = answer.version === firstVersion
      if (old) lastOld = timeline.at()
      else {
        timeline.once(
          "new",
          () => `first answer served with the new version ${short(answer.version)} (user ${answer.user})`
        )
      }
      if (timeline.at() >= switchedBy) {
        afterTtl.answers++
        if (old) afterTtl.withOldVersion++
        afterTtl.users.add(answer.user)
      }
    }

    const ServiceLive = HttpLive.pipe(
      Layer.provideMerge(Database.layer({ secretId, pool: options.pool, onEvent })),
      Layer.provideMerge(AwsSecrets.layer({
        timeToLive: options.timeToLive,
        jitter: 0,
        clientConfig: {
          endpoint: local.url,
          region: "us-east-1",
          credentials: { accessKeyId: "service", secretAccessKey: "service" }
        }
      })),
      Layer.merge(Rotation.layer(local.url))
    )

    return yield* Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const url = server.address._tag === "TcpAddress"
        ? `http://127.0.0.1:${server.address.port}/query`
        : "http://127.0.0.1/query"
      const rotation = yield* Rotation
      const database = yield* Database
      timeline.mark(
        `${strategy}: ${options.concurrency} workers send GET ${url}; secret ${secretId} is version ` +
          `${short(firstVersion)} (user ${user}), TTL ${Duration.format(Duration.decode(options.timeToLive))}`
      )
      const load = yield* Load.start({
        url,
        concurrency: options.concurrency,
        maxRequests: options.maxRequests,
        maxDuration: options.maxDuration,
        onAnswer
      })
      yield* Effect.sleep(options.warmUp)

      const callsBefore = yield* local.calls("GetSecretValue", secretId)
      const rotationBefore = yield* local.calls(undefined, arn)
      const token = randomUUID()
      const { current, pending } = yield* rotation.createSecret(arn, token, strategy)
      timeline.mark(
        `1. createSecret: PutSecretValue version ${short(token)} (user ${pending.username}) staged AWSPENDING`
      )
      yield* rotation.setSecret(arn, token)
      timeline.mark(`2. setSecret: ALTER ROLE ${pending.username} PASSWORD (the pending one)`)
      yield* rotation.testSecret(arn, token)
      timeline.mark(`3. testSecret: logged in as ${pending.username} with the pending password`)
      yield* Effect.sleep(options.finishDelay)
      yield* rotation.finishSecret(arn, token)
      timeline.mark(`4. finishSecret: UpdateSecretVersionStage moved AWSCURRENT to ${short(token)}`)
      switchedBy = timeline.at() + Duration.toMillis(options.timeToLive) + 1_000
      yield* Effect.sleep(options.settle)
      const report = yield* load.stop
      const serviceCalls = (yield* local.calls("GetSecretValue", secretId)) - callsBefore
      const rotationCalls = (yield* local.calls(undefined, arn)) - rotationBefore
      if (lastOld !== undefined) {
        timeline.lines.push(
          `        (the last answer served with version ${short(firstVersion)} came at +${lastOld} ms)`
        )
      }
      timeline.mark(
        `load stopped: ${report.requests} requests, ${report.succeeded} succeeded, ${report.failed} failed; ` +
          `${loginsRefused} logins refused and recovered`
      )
      timeline.mark(
        `Secrets Manager calls during the rotation: ${serviceCalls} GetSecretValue by the service, ` +
          `${rotationCalls} by the rotation function`
      )

      // Is the old password still in use anywhere? The pools that held it, the server's sessions, a fresh login.
      const sessions = yield* postgres.admin<{ count: string }>(
        "SELECT count(*) AS count FROM pg_stat_activity WHERE application_name = $1",
        [`rotation-postgres ${short(current.versionId)}`]
      )
      const oldVersionSessions = Number(sessions[0]?.count ?? 0)
      const oldLogin = yield* Effect.either(postgres.login(current.username, current.password))
      const oldCredentialsRejected = oldLogin._tag === "Left" && oldLogin.left.code === "28P01"
      timeline.mark(
        `afterwards: ${oldVersionSessions} sessions of version ${short(current.versionId)}; a login as ` +
          `${current.username} with its password ${
            oldCredentialsRejected
              ? "fails (28P01)"
              : "still works (alternating users: the old user keeps its password until its next turn)"
          }`
      )
      return {
        strategy,
        timeline: [...timeline.lines], // what follows is the service shutting down
        load: report,
        serviceCalls,
        rotationCalls,
        loginsRefused,
        oldVersion: { versionId: current.versionId, username: current.username },
        newVersion: { versionId: token, username: pending.username },
        pools: yield* database.pools,
        oldVersionSessions,
        afterTtl: { ...afterTtl, users: [...afterTtl.users] },
        oldCredentialsRejected
      } satisfies ScenarioReport
    }).pipe(Effect.scoped, Effect.provide(ServiceLive))
  })

/** The database server and the Secrets Manager endpoint, shared by both scenarios. */
export const InfrastructureLive = Layer.merge(PostgresServer.layer, LocalSecretsManager.layer())
