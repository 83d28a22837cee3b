/**
 * The Secrets Manager operations on the wire: each one's input as the API reference names it, the state change it
 * makes, and its output shape.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import * as Errors from "./errors.js"
import { maxSecretValueBytes } from "./limits.js"
import * as Protocol from "./protocol.js"
import type { Payload, Secret, State, Version } from "./state.js"
import { stagesByVersion } from "./state.js"

const SecretId = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(2048))
const VersionId = Schema.String.check(Schema.isMinLength(32), Schema.isMaxLength(64))
const Stage = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256))
// AWS's bounds: a tag key of 1..128 characters, a value of at most 256, at most 50 tags.
const Tag = Schema.Struct({
  Key: Schema.optional(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128))),
  Value: Schema.optional(Schema.String.check(Schema.isMaxLength(256)))
})
const Tags = Schema.Array(Tag).check(Schema.isMaxLength(50))
// AWS's quota for a secret value: 65,536 characters of SecretString, 65,536 bytes of SecretBinary.
const SecretString = Schema.String.check(Schema.isMaxLength(maxSecretValueBytes))
const SecretBinary = Schema.Uint8ArrayFromBase64.check(Schema.isMaxLength(maxSecretValueBytes))
const Filter = Schema.Struct({
  Key: Schema.optional(Schema.String),
  Values: Schema.optional(Schema.Array(Schema.String).check(Schema.isMaxLength(10)))
})
const Int = (min: number, max: number) => Schema.Int.check(Schema.isBetween({ minimum: min, maximum: max }))

const CreateSecret = Schema.Struct({
  Name: Schema.String,
  ClientRequestToken: Schema.optional(VersionId),
  Description: Schema.optional(Schema.String.check(Schema.isMaxLength(2048))),
  SecretString: Schema.optional(SecretString),
  SecretBinary: Schema.optional(SecretBinary),
  Tags: Schema.optional(Tags)
})

const GetSecretValue = Schema.Struct({
  SecretId,
  VersionId: Schema.optional(VersionId),
  VersionStage: Schema.optional(Stage)
})

const BatchGetSecretValue = Schema.Struct({
  SecretIdList: Schema.optional(Schema.Array(SecretId).check(Schema.isMinLength(1), Schema.isMaxLength(20))),
  Filters: Schema.optional(Schema.Array(Filter).check(Schema.isMaxLength(10))),
  MaxResults: Schema.optional(Int(1, 20)),
  NextToken: Schema.optional(Schema.String)
})

const BySecretId = Schema.Struct({ SecretId })

const PutSecretValue = Schema.Struct({
  SecretId,
  ClientRequestToken: Schema.optional(VersionId),
  SecretString: Schema.optional(SecretString),
  SecretBinary: Schema.optional(SecretBinary),
  VersionStages: Schema.optional(Schema.Array(Stage).check(Schema.isMinLength(1), Schema.isMaxLength(20)))
})

const UpdateSecretVersionStage = Schema.Struct({
  SecretId,
  VersionStage: Stage,
  MoveToVersionId: Schema.optional(VersionId),
  RemoveFromVersionId: Schema.optional(VersionId)
})

const ListSecrets = Schema.Struct({
  IncludePlannedDeletion: Schema.optional(Schema.Boolean),
  MaxResults: Schema.optional(Int(1, 100)),
  NextToken: Schema.optional(Schema.String),
  Filters: Schema.optional(Schema.Array(Filter).check(Schema.isMaxLength(10))),
  SortOrder: Schema.optional(Schema.Literals(["asc", "desc"]))
})

const DeleteSecret = Schema.Struct({
  SecretId,
  RecoveryWindowInDays: Schema.optional(Schema.Number),
  ForceDeleteWithoutRecovery: Schema.optional(Schema.Boolean)
})

const decodeCreateSecret = Protocol.decodeInput(CreateSecret)
const decodeGetSecretValue = Protocol.decodeInput(GetSecretValue)
const decodeBatchGetSecretValue = Protocol.decodeInput(BatchGetSecretValue)
const decodeBySecretId = Protocol.decodeInput(BySecretId)
const decodePutSecretValue = Protocol.decodeInput(PutSecretValue)
const decodeUpdateSecretVersionStage = Protocol.decodeInput(UpdateSecretVersionStage)
const decodeListSecrets = Protocol.decodeInput(ListSecrets)
const decodeDeleteSecret = Protocol.decodeInput(DeleteSecret)

/**
 * The operations that read secret values: the ones faults apply to.
 *
 * @internal
 */
export const readOperations: ReadonlySet<string> = new Set(["GetSecretValue", "BatchGetSecretValue"])

/**
 * The secret ids a request names, read leniently from the raw body, for counting calls and matching faults.
 *
 * @internal
 */
export const secretIdsOf = (body: Record<string, unknown>): ReadonlyArray<string> => {
  if (typeof body.SecretId === "string") return [body.SecretId]
  if (typeof body.Name === "string") return [body.Name]
  if (Array.isArray(body.SecretIdList)) return body.SecretIdList.filter((id): id is string => typeof id === "string")
  return []
}

const payloadOf = (input: {
  readonly SecretString?: string | undefined
  readonly SecretBinary?: Uint8Array | undefined
}): Payload | undefined | SecretsManagerError => {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    return Errors.invalidParameter("You can't specify both a binary secret value and a string secret value.")
  }
  if (input.SecretString !== undefined) return { _tag: "SecretString", value: Redacted.make(input.SecretString) }
  if (input.SecretBinary !== undefined) return { _tag: "SecretBinary", value: Redacted.make(input.SecretBinary) }
  return undefined
}

const valueEntry = (secret: Secret, version: Version) => ({
  ARN: secret.arn,
  Name: secret.name,
  VersionId: version.id,
  ...(version.payload._tag === "SecretString"
    ? { SecretString: Redacted.value(version.payload.value) }
    : { SecretBinary: Protocol.base64(Redacted.value(version.payload.value)) }),
  VersionStages: [...version.stages],
  CreatedDate: Protocol.epochSeconds(version.createdDate)
})

const metadata = (secret: Secret) => ({
  ARN: secret.arn,
  Name: secret.name,
  Description: secret.description,
  LastChangedDate: Protocol.epochSeconds(secret.lastChangedDate),
  LastAccessedDate: secret.lastAccessedDate === undefined ? undefined : Protocol.epochSeconds(secret.lastAccessedDate),
  DeletedDate: secret.deletedDate === undefined ? undefined : Protocol.epochSeconds(secret.deletedDate),
  Tags: secret.tags.length === 0 ? undefined : secret.tags,
  CreatedDate: Protocol.epochSeconds(secret.createdDate)
})

// Page tokens are opaque to clients; here they carry the offset of the next page.
const pageToken = (offset: number): string => Buffer.from(JSON.stringify({ offset })).toString("base64url")

const offsetOf = (token: string | undefined): Effect.Effect<number, SecretsManagerError> => {
  if (token === undefined) return Effect.succeed(0)
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"))
    if (
      typeof parsed === "object" && parsed !== null && "offset" in parsed && Number.isInteger(parsed.offset) &&
      (parsed.offset as number) >= 0
    ) {
      return Effect.succeed(parsed.offset as number)
    }
  } catch {
    // falls through to the error below
  }
  return Effect.fail(Errors.invalidNextToken("The NextToken value is invalid."))
}

const page = <A>(items: ReadonlyArray<A>, offset: number, size: number) => {
  const next = offset + size
  return { items: items.slice(offset, next), nextToken: next < items.length ? pageToken(next) : undefined }
}

const orFail = <A>(result: A | SecretsManagerError): Effect.Effect<A, SecretsManagerError> =>
  result instanceof Error ? Effect.fail(result as SecretsManagerError) : Effect.succeed(result)

/**
 * Runs one operation and answers with its output, as the API reference names its members.
 *
 * @internal
 */
export const run = (
  state: State,
  operation: string,
  body: Record<string, unknown>
): Effect.Effect<unknown, SecretsManagerError> => {
  switch (operation) {
    case "CreateSecret":
      return Effect.gen(function*() {
        const input = yield* decodeCreateSecret(body)
        const payload = yield* orFail(payloadOf(input))
        const { secret, version } = yield* state.create({
          name: input.Name,
          payload,
          versionId: input.ClientRequestToken,
          description: input.Description,
          tags: input.Tags
        })
        return { ARN: secret.arn, Name: secret.name, VersionId: version?.id }
      })
    case "GetSecretValue":
      return Effect.gen(function*() {
        const input = yield* decodeGetSecretValue(body)
        const { secret, version } = yield* state.getValue(input.SecretId, {
          versionId: input.VersionId,
          versionStage: input.VersionStage
        })
        return valueEntry(secret, version)
      })
    case "BatchGetSecretValue":
      return Effect.gen(function*() {
        const input = yield* decodeBatchGetSecretValue(body)
        if ((input.SecretIdList === undefined) === (input.Filters === undefined)) {
          return yield* Errors.invalidParameter("You must include Filters or SecretIdList, but not both.")
        }
        let ids: ReadonlyArray<string>
        let nextToken: string | undefined
        if (input.SecretIdList !== undefined) {
          if (input.MaxResults !== undefined || input.NextToken !== undefined) {
            return yield* Errors.invalidParameter("MaxResults and NextToken can only be used with Filters.")
          }
          ids = input.SecretIdList
        } else {
          const found = yield* state.list({
            includePlannedDeletion: false,
            filters: input.Filters ?? [],
            sortOrder: "asc"
          })
          const current = page(found, yield* offsetOf(input.NextToken), input.MaxResults ?? 20)
          ids = current.items.map((secret) => secret.name)
          nextToken = current.nextToken
        }
        const SecretValues: Array<ReturnType<typeof valueEntry>> = []
        const Errs: Array<{ SecretId: string; ErrorCode: string; Message: string }> = []
        for (const id of ids) {
          // One failing secret does not fail the call: it becomes an entry in Errors.
          yield* state.getValue(id, {}).pipe(
            Effect.match({
              onFailure: (error) => Errs.push({ SecretId: id, ErrorCode: error.code, Message: error.message }),
              onSuccess: ({ secret, version }) => SecretValues.push(valueEntry(secret, version))
            })
          )
        }
        return { SecretValues, Errors: Errs, NextToken: nextToken }
      })
    case "DescribeSecret":
      return Effect.gen(function*() {
        const input = yield* decodeBySecretId(body)
        const secret = yield* state.describe(input.SecretId)
        return { ...metadata(secret), VersionIdsToStages: stagesByVersion(secret) }
      })
    case "PutSecretValue":
      return Effect.gen(function*() {
        const input = yield* decodePutSecretValue(body)
        const payload = yield* orFail(payloadOf(input))
        if (payload === undefined) {
          return yield* Errors.invalidParameter("You must provide either SecretString or SecretBinary.")
        }
        const { secret, version } = yield* state.put(input.SecretId, {
          payload,
          versionId: input.ClientRequestToken,
          stages: input.VersionStages
        })
        return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] }
      })
    case "UpdateSecretVersionStage":
      return Effect.gen(function*() {
        const input = yield* decodeUpdateSecretVersionStage(body)
        const secret = yield* state.updateStage(input.SecretId, {
          stage: input.VersionStage,
          moveToVersionId: input.MoveToVersionId,
          removeFromVersionId: input.RemoveFromVersionId
        })
        return { ARN: secret.arn, Name: secret.name }
      })
    case "ListSecrets":
      return Effect.gen(function*() {
        const input = yield* decodeListSecrets(body)
        const found = yield* state.list({
          includePlannedDeletion: input.IncludePlannedDeletion ?? false,
          filters: input.Filters ?? [],
          sortOrder: input.SortOrder ?? "asc"
        })
        const current = page(found, yield* offsetOf(input.NextToken), input.MaxResults ?? 100)
        return {
          SecretList: current.items.map((secret) => ({
            ...metadata(secret),
            SecretVersionsToStages: stagesByVersion(secret)
          })),
          NextToken: current.nextToken
        }
      })
    case "DeleteSecret":
      return Effect.gen(function*() {
        const input = yield* decodeDeleteSecret(body)
        const { deletionDate, secret } = yield* state.remove(input.SecretId, {
          recoveryWindowInDays: input.RecoveryWindowInDays,
          force: input.ForceDeleteWithoutRecovery ?? false
        })
        return { ARN: secret.arn, Name: secret.name, DeletionDate: Protocol.epochSeconds(deletionDate) }
      })
    case "RestoreSecret":
      return Effect.gen(function*() {
        const input = yield* decodeBySecretId(body)
        const secret = yield* state.restore(input.SecretId)
        return { ARN: secret.arn, Name: secret.name }
      })
    default:
      return Effect.fail(Errors.unknownOperation(`The operation ${operation} is not supported by this endpoint.`))
  }
}
