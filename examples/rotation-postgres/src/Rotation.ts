// A rotation function as Secrets Manager runs one (a Lambda called four times with the secret's ARN and a
// ClientRequestToken), here called by the demo against the local endpoint through the real AWS SDK. It follows AWS's
// PostgreSQL rotation templates: single user (the user's own password changes) and alternating users (the other of
// two users gets a new password and becomes current; the old one keeps working until its next turn).
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand
} from "@aws-sdk/client-secrets-manager"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { escapeIdentifier, escapeLiteral } from "pg"
import { DatabaseCredentials } from "./Database.js"
import { PostgresServer } from "./postgres.js"

export type Strategy = "single-user" | "alternating-users"

export class RotationError extends Schema.TaggedError<RotationError>()("RotationError", {
  step: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/** A version of the secret as the rotation sees it (the password stays Redacted). */
export interface Version {
  readonly versionId: string
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

export class Rotation extends Context.Tag("@effect-secrets/example-rotation-postgres/Rotation")<
  Rotation,
  {
    /** Step 1: a new version with a new password (and, alternating, the other user), staged AWSPENDING. */
    readonly createSecret: (
      arn: string,
      token: string,
      strategy: Strategy
    ) => Effect.Effect<{ readonly current: Version; readonly pending: Version }, RotationError>
    /** Step 2: the database takes the pending password (`ALTER ROLE ... PASSWORD`). */
    readonly setSecret: (arn: string, token: string) => Effect.Effect<void, RotationError>
    /** Step 3: the pending credentials log in. */
    readonly testSecret: (arn: string, token: string) => Effect.Effect<void, RotationError>
    /** Step 4: AWSCURRENT moves to the new version (the old one becomes AWSPREVIOUS). */
    readonly finishSecret: (arn: string, token: string) => Effect.Effect<void, RotationError>
  }
>() {
  /** The rotation function's own SDK client, against `endpoint`; its database is `PostgresServer`'s superuser. */
  static readonly layer = (endpoint: string): Layer.Layer<Rotation, never, PostgresServer> =>
    Layer.scoped(
      Rotation,
      Effect.gen(function*() {
        const postgres = yield* PostgresServer
        const client = yield* Effect.acquireRelease(
          Effect.sync(() =>
            new SecretsManagerClient({
              endpoint,
              region: "us-east-1",
              credentials: { accessKeyId: "rotation", secretAccessKey: "rotation" }
            })
          ),
          (client) => Effect.sync(() => client.destroy())
        )
        return make(client, postgres)
      })
    )
}

const decodeCredentials = Schema.decodeUnknown(Schema.parseJson(DatabaseCredentials))

const make = (client: SecretsManagerClient, postgres: PostgresServer["Type"]): Rotation["Type"] => {
  const fail = (step: string) => (cause: unknown) =>
    new RotationError({ step, message: cause instanceof Error ? cause.message : String(cause), cause })

  const read = (step: string, arn: string, selector: { VersionStage: string; VersionId?: string }) =>
    Effect.tryPromise({
      try: (abortSignal) => client.send(new GetSecretValueCommand({ SecretId: arn, ...selector }), { abortSignal }),
      catch: fail(step)
    }).pipe(
      Effect.flatMap((out) =>
        Effect.mapError(
          decodeCredentials(out.SecretString ?? ""),
          () => new RotationError({ step, message: "the secret is not database credentials JSON" })
        ).pipe(
          Effect.map((credentials) => ({ versionId: out.VersionId ?? "", credentials }))
        )
      )
    )

  const stagesOf = (step: string, arn: string) =>
    Effect.tryPromise({
      try: (abortSignal) => client.send(new DescribeSecretCommand({ SecretId: arn }), { abortSignal }),
      catch: fail(step)
    }).pipe(Effect.map((out) => out.VersionIdsToStages ?? {}))

  const pending = (step: string, arn: string, token: string) =>
    read(step, arn, { VersionStage: "AWSPENDING", VersionId: token })

  return {
    createSecret: (arn, token, strategy) =>
      Effect.gen(function*() {
        const stages = yield* stagesOf("createSecret", arn)
        if (stages[token]?.includes("AWSCURRENT")) {
          return yield* new RotationError({ step: "createSecret", message: `version ${token} is already current` })
        }
        const current = yield* read("createSecret", arn, { VersionStage: "AWSCURRENT" })
        const currentVersion: Version = {
          versionId: current.versionId,
          username: current.credentials.username,
          password: current.credentials.password
        }
        // A retried step finds its version already there, as AWS's templates do.
        const existing = yield* pending("createSecret", arn, token).pipe(
          Effect.asSome,
          Effect.catchIf((error) => isNotFound(error.cause), () => Effect.succeedNone)
        )
        if (existing._tag === "Some") {
          const { credentials, versionId } = existing.value
          return {
            current: currentVersion,
            pending: { versionId, username: credentials.username, password: credentials.password }
          }
        }
        const username = strategy === "single-user" ? current.credentials.username : otherUser(current.credentials)
        const password = Redacted.make(randomBytes(24).toString("base64url"))
        const secretString = yield* Schema.encode(Schema.parseJson(DatabaseCredentials))({
          ...current.credentials,
          username,
          password
        }).pipe(Effect.mapError(fail("createSecret")))
        yield* Effect.tryPromise({
          try: (abortSignal) =>
            client.send(
              new PutSecretValueCommand({
                SecretId: arn,
                ClientRequestToken: token,
                SecretString: secretString,
                VersionStages: ["AWSPENDING"]
              }),
              { abortSignal }
            ),
          catch: fail("createSecret")
        })
        return { current: currentVersion, pending: { versionId: token, username, password } }
      }),

    setSecret: (arn, token) =>
      Effect.gen(function*() {
        const { credentials } = yield* pending("setSecret", arn, token)
        yield* postgres.admin(
          `ALTER ROLE ${escapeIdentifier(credentials.username)} WITH PASSWORD ${
            escapeLiteral(Redacted.value(credentials.password))
          }`
        ).pipe(Effect.mapError(fail("setSecret")))
      }),

    testSecret: (arn, token) =>
      Effect.gen(function*() {
        const { credentials } = yield* pending("testSecret", arn, token)
        const user = yield* Effect.mapError(
          postgres.login(credentials.username, credentials.password),
          fail("testSecret")
        )
        if (user !== credentials.username) {
          return yield* new RotationError({ step: "testSecret", message: `logged in as ${user}` })
        }
      }),

    finishSecret: (arn, token) =>
      Effect.gen(function*() {
        const stages = yield* stagesOf("finishSecret", arn)
        const current = Object.entries(stages).find(([, labels]) => labels.includes("AWSCURRENT"))?.[0]
        if (current === token) return
        yield* Effect.tryPromise({
          try: (abortSignal) =>
            client.send(
              new UpdateSecretVersionStageCommand({
                SecretId: arn,
                VersionStage: "AWSCURRENT",
                MoveToVersionId: token,
                ...(current === undefined ? {} : { RemoveFromVersionId: current })
              }),
              { abortSignal }
            ),
          catch: fail("finishSecret")
        })
      })
  }
}

const isNotFound = (cause: unknown) => cause instanceof ResourceNotFoundException

// The alternating strategy's two users: `<name>_a` and `<name>_b`.
const otherUser = (credentials: DatabaseCredentials) =>
  credentials.username.endsWith("_a")
    ? `${credentials.username.slice(0, -2)}_b`
    : `${credentials.username.replace(/_b$/, "")}_a`
