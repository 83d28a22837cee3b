import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DecryptionFailure,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand
} from "@aws-sdk/client-secrets-manager"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { TestClock } from "effect/testing"
import { randomUUID } from "node:crypto"

const makeClient = (url: string) =>
  new SecretsManagerClient({
    region: "us-east-1",
    endpoint: url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1
  })

// The real SDK client, pointed at the server of the layer, destroyed with it.
class Sdk extends Context.Service<Sdk, SecretsManagerClient>()("test/Sdk") {
  static readonly layer = Layer.effect(
    Sdk,
    LocalSecretsManager.use((local) =>
      Effect.acquireRelease(Effect.sync(() => makeClient(local.url)), (client) => Effect.sync(() => client.destroy()))
    )
  )
}

const call = <A>(f: (client: SecretsManagerClient, signal: AbortSignal) => Promise<A>) =>
  Sdk.use((client) => Effect.tryPromise({ try: (signal) => f(client, signal), catch: (error) => error }))

const failure = <A>(f: (client: SecretsManagerClient, signal: AbortSignal) => Promise<A>) => Effect.flip(call(f))

// Unique names, so tests sharing one server never see each other's secrets.
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

const local = LocalSecretsManager.use(Effect.succeed)

const create = (name: string, value: string) =>
  call((c) => c.send(new CreateSecretCommand({ Name: name, SecretString: value })))

// The server sleeps on the recording TestClock, so a test can see the sleep of a latency (TestIo.sleeps).
const TestLayer = Sdk.layer.pipe(
  Layer.provideMerge(LocalSecretsManager.layer({ port: 0 })),
  Layer.provideMerge(TestIo.layer)
)

layer(TestLayer)("LocalSecretsManager", (it) => {
  describe("operations", () => {
    it.effect("CreateSecret answers ARN, Name and VersionId, and GetSecretValue reads the value back", () =>
      Effect.gen(function*() {
        const name = unique("create")
        const created = yield* create(name, "hunter2")
        assert.strictEqual(created.Name, name)
        assert.match(
          created.ARN ?? "",
          new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-[A-Za-z0-9]{6}$`)
        )
        assert.match(created.VersionId ?? "", /^[0-9a-f-]{36}$/)

        const read = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(read.SecretString, "hunter2")
        assert.strictEqual(read.ARN, created.ARN)
        assert.strictEqual(read.VersionId, created.VersionId)
        assert.deepStrictEqual(read.VersionStages, ["AWSCURRENT"])
        assert.instanceOf(read.CreatedDate, Date)
      }))

    it.effect("CreateSecret uses ClientRequestToken as the VersionId", () =>
      Effect.gen(function*() {
        const token = randomUUID()
        const created = yield* call((c) =>
          c.send(new CreateSecretCommand({ Name: unique("token"), SecretString: "v", ClientRequestToken: token }))
        )
        assert.strictEqual(created.VersionId, token)
      }))

    it.effect("CreateSecret on an existing name fails with ResourceExistsException", () =>
      Effect.gen(function*() {
        const name = unique("exists")
        yield* create(name, "one")
        const error = yield* failure((c) => c.send(new CreateSecretCommand({ Name: name, SecretString: "two" })))
        assert.instanceOf(error, ResourceExistsException)
      }))

    it.effect("a missing secret fails with ResourceNotFoundException", () =>
      Effect.gen(function*() {
        const error = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: unique("missing") })))
        assert.instanceOf(error, ResourceNotFoundException)
        assert.strictEqual((error as ResourceNotFoundException).$metadata.httpStatusCode, 400)
      }))

    it.effect("GetSecretValue finds a secret by full ARN and by partial ARN", () =>
      Effect.gen(function*() {
        const name = unique("arn")
        const { ARN } = yield* create(name, "by-arn")
        const full = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: ARN })))
        assert.strictEqual(full.SecretString, "by-arn")
        const partial = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: ARN!.slice(0, -7) })))
        assert.strictEqual(partial.SecretString, "by-arn")
      }))

    it.effect("a full ARN wins over a partial ARN that spells it (db-AbCdEf is db's ARN and another's partial)", () =>
      Effect.gen(function*() {
        const name = unique("clash")
        const { ARN } = yield* create(name, "the full-ARN owner")
        const suffix = ARN!.slice(-6) // the name whose ARN, without its suffix, is the first secret's full ARN
        yield* create(`${name}-${suffix}`, "the partial-ARN owner")
        const read = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: ARN })))
        assert.strictEqual(read.SecretString, "the full-ARN owner")
      }))

    it.effect("binary secrets round-trip byte for byte", () =>
      Effect.gen(function*() {
        const name = unique("binary")
        const bytes = new Uint8Array([0, 1, 2, 253, 254, 255])
        yield* call((c) => c.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes })))
        const read = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.isUndefined(read.SecretString)
        assert.deepStrictEqual([...(read.SecretBinary ?? [])], [...bytes])
      }))

    it.effect("seeded secrets and programmatic helpers are visible through the SDK", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("helper")
        const created = yield* server.createSecret(name, "first")
        const second = yield* server.putSecretValue(name, new TextEncoder().encode("second"))
        const current = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(current.VersionId, second)
        assert.strictEqual(new TextDecoder().decode(current.SecretBinary), "second")
        const previous = yield* call((c) =>
          c.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }))
        )
        assert.strictEqual(previous.VersionId, created.versionId)
      }))

    it.effect("PutSecretValue moves AWSCURRENT to the new version and AWSPREVIOUS to the old current", () =>
      Effect.gen(function*() {
        const name = unique("put")
        const v1 = (yield* create(name, "one")).VersionId!
        const put2 = yield* call((c) => c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "two" })))
        assert.deepStrictEqual(put2.VersionStages, ["AWSCURRENT"])
        const v2 = put2.VersionId!
        const v3 = (yield* call((c) => c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "three" }))))
          .VersionId!

        const described = yield* call((c) => c.send(new DescribeSecretCommand({ SecretId: name })))
        // v1 lost its last label: deprecated, so left out of the map.
        assert.deepStrictEqual(described.VersionIdsToStages, { [v2]: ["AWSPREVIOUS"], [v3]: ["AWSCURRENT"] })
        assert.isUndefined(described.VersionIdsToStages?.[v1])

        const current = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(current.SecretString, "three")
        const previous = yield* call((c) =>
          c.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }))
        )
        assert.strictEqual(previous.SecretString, "two")
        // A deprecated version can still be read by its id.
        const byId = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name, VersionId: v1 })))
        assert.strictEqual(byId.SecretString, "one")
        assert.deepStrictEqual(byId.VersionStages, [])
      }))

    it.effect("PutSecretValue staged AWSPENDING leaves AWSCURRENT where it was", () =>
      Effect.gen(function*() {
        const name = unique("pending")
        const v1 = (yield* create(name, "current")).VersionId!
        const pending = yield* call((c) =>
          c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "next", VersionStages: ["AWSPENDING"] }))
        )
        assert.deepStrictEqual(pending.VersionStages, ["AWSPENDING"])
        const current = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(current.VersionId, v1)
        const staged = yield* call((c) =>
          c.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPENDING" }))
        )
        assert.strictEqual(staged.SecretString, "next")
        const error = yield* failure((c) =>
          c.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }))
        )
        assert.instanceOf(error, ResourceNotFoundException)
      }))

    it.effect("PutSecretValue retried with the same ClientRequestToken is ignored; with another value it fails", () =>
      Effect.gen(function*() {
        const name = unique("idempotent")
        yield* create(name, "one")
        const token = randomUUID()
        const first = yield* call((c) =>
          c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "two", ClientRequestToken: token }))
        )
        const retry = yield* call((c) =>
          c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "two", ClientRequestToken: token }))
        )
        assert.strictEqual(first.VersionId, token)
        assert.strictEqual(retry.VersionId, token)
        const described = yield* call((c) => c.send(new DescribeSecretCommand({ SecretId: name })))
        assert.strictEqual(Object.keys(described.VersionIdsToStages ?? {}).length, 2)
        const error = yield* failure((c) =>
          c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "other", ClientRequestToken: token }))
        )
        assert.instanceOf(error, ResourceExistsException)
      }))

    it.effect("UpdateSecretVersionStage completes a rotation: AWSCURRENT moves and AWSPREVIOUS follows", () =>
      Effect.gen(function*() {
        const name = unique("rotate")
        const v1 = (yield* create(name, "old")).VersionId!
        const v2 = (yield* call((c) =>
          c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "new", VersionStages: ["AWSPENDING"] }))
        )).VersionId!
        yield* call((c) =>
          c.send(
            new UpdateSecretVersionStageCommand({
              SecretId: name,
              VersionStage: "AWSCURRENT",
              MoveToVersionId: v2,
              RemoveFromVersionId: v1
            })
          )
        )
        const described = yield* call((c) =>
          c.send(new DescribeSecretCommand({ SecretId: name }))
        )
        assert.deepStrictEqual(described.VersionIdsToStages, {
          [v1]: ["AWSPREVIOUS"],
          [v2]: ["AWSPENDING", "AWSCURRENT"]
        })
        const current = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(current.SecretString, "new")

        yield* call((c) =>
          c.send(
            new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: "AWSPENDING", RemoveFromVersionId: v2 })
          )
        )
        const after = yield* call((c) => c.send(new DescribeSecretCommand({ SecretId: name })))
        assert.deepStrictEqual(after.VersionIdsToStages, { [v1]: ["AWSPREVIOUS"], [v2]: ["AWSCURRENT"] })
      }))

    it.effect("UpdateSecretVersionStage fails with InvalidParameterException when RemoveFromVersionId is wrong", () =>
      Effect.gen(function*() {
        const name = unique("wrong-remove")
        const v1 = (yield* create(name, "one")).VersionId!
        const v2 = (yield* call((c) =>
          c.send(new PutSecretValueCommand({ SecretId: name, SecretString: "two", VersionStages: ["AWSPENDING"] }))
        )).VersionId!
        // v2 does not hold AWSCURRENT.
        const wrong = yield* failure((c) =>
          c.send(
            new UpdateSecretVersionStageCommand({
              SecretId: name,
              VersionStage: "AWSCURRENT",
              MoveToVersionId: v2,
              RemoveFromVersionId: v2
            })
          )
        )
        assert.instanceOf(wrong, InvalidParameterException)
        // AWSCURRENT is attached to v1, so moving it needs RemoveFromVersionId.
        const missing = yield* failure((c) =>
          c.send(
            new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: "AWSCURRENT", MoveToVersionId: v2 })
          )
        )
        assert.instanceOf(missing, InvalidParameterException)
        const current = yield* call((c) =>
          c.send(new GetSecretValueCommand({ SecretId: name }))
        )
        assert.strictEqual(current.VersionId, v1)
      }))

    it.effect("BatchGetSecretValue answers the found secrets and an error entry for the missing one", () =>
      Effect.gen(function*() {
        const a = unique("batch-a")
        const b = unique("batch-b")
        const missing = unique("batch-missing")
        yield* create(a, "A")
        yield* create(b, "B")
        const result = yield* call((c) => c.send(new BatchGetSecretValueCommand({ SecretIdList: [a, missing, b] })))
        assert.deepStrictEqual(result.SecretValues?.map((v) => [v.Name, v.SecretString]), [[a, "A"], [b, "B"]])
        assert.strictEqual(result.Errors?.length, 1)
        assert.strictEqual(result.Errors?.[0]?.SecretId, missing)
        assert.strictEqual(result.Errors?.[0]?.ErrorCode, "ResourceNotFoundException")
        const server = yield* local
        // Counted once for the call, and once for each id it names.
        assert.strictEqual(yield* server.calls("BatchGetSecretValue", a), 1)
      }))

    it.effect("BatchGetSecretValue with Filters reads the matching secrets", () =>
      Effect.gen(function*() {
        const prefix = unique("filtered")
        yield* create(`${prefix}-1`, "one")
        yield* create(`${prefix}-2`, "two")
        const result = yield* call((c) =>
          c.send(new BatchGetSecretValueCommand({ Filters: [{ Key: "name", Values: [prefix] }] }))
        )
        assert.deepStrictEqual(result.SecretValues?.map((v) => v.SecretString).sort(), ["one", "two"])
      }))

    it.effect("ListSecrets filters by name prefix and pages with NextToken", () =>
      Effect.gen(function*() {
        const prefix = unique("list")
        for (const i of [1, 2, 3]) yield* create(`${prefix}-${i}`, "value")
        const filters = [{ Key: "name" as const, Values: [prefix] }]
        const first = yield* call((c) => c.send(new ListSecretsCommand({ Filters: filters, MaxResults: 2 })))
        assert.strictEqual(first.SecretList?.length, 2)
        assert.isString(first.NextToken)
        const second = yield* call((c) =>
          c.send(new ListSecretsCommand({ Filters: filters, MaxResults: 2, NextToken: first.NextToken }))
        )
        assert.isUndefined(second.NextToken)
        const names = [...(first.SecretList ?? []), ...(second.SecretList ?? [])].map((s) => s.Name).sort()
        assert.deepStrictEqual(names, [`${prefix}-1`, `${prefix}-2`, `${prefix}-3`])
        const entry = first.SecretList?.[0]
        assert.match(entry?.ARN ?? "", /^arn:aws:secretsmanager:/)
        assert.strictEqual(Object.values(entry?.SecretVersionsToStages ?? {})[0]?.[0], "AWSCURRENT")
      }))

    it.effect("DeleteSecret with a recovery window blocks reads until RestoreSecret", () =>
      Effect.gen(function*() {
        const name = unique("recover")
        yield* create(name, "keep me")
        const now = yield* Clock.currentTimeMillis
        const deleted = yield* call((c) => c.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 })))
        assert.strictEqual(deleted.Name, name)
        assert.strictEqual(deleted.DeletionDate?.getTime(), now + Duration.toMillis("7 days"))

        const error = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.instanceOf(error, InvalidRequestException)
        assert.include((error as Error).message, "marked for deletion")
        const described = yield* call((c) => c.send(new DescribeSecretCommand({ SecretId: name })))
        assert.instanceOf(described.DeletedDate, Date)
        const listed = yield* call((c) =>
          c.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: [name] }] }))
        )
        assert.strictEqual(listed.SecretList?.length, 0)
        const planned = yield* call((c) =>
          c.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: [name] }], IncludePlannedDeletion: true }))
        )
        assert.strictEqual(planned.SecretList?.length, 1)

        const restored = yield* call((c) => c.send(new RestoreSecretCommand({ SecretId: name })))
        assert.strictEqual(restored.Name, name)
        const read = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(read.SecretString, "keep me")
      }))

    it.effect("a secret is gone for good once its recovery window has passed", () =>
      Effect.gen(function*() {
        const name = unique("expire")
        yield* create(name, "short-lived")
        yield* call((c) => c.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 })))
        yield* TestClock.adjust("7 days")
        const error = yield* failure((c) => c.send(new DescribeSecretCommand({ SecretId: name })))
        assert.instanceOf(error, ResourceNotFoundException)
      }))

    it.effect("DeleteSecret with ForceDeleteWithoutRecovery removes the secret at once", () =>
      Effect.gen(function*() {
        const name = unique("force")
        yield* create(name, "bye")
        yield* call((c) => c.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })))
        const error = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.instanceOf(error, ResourceNotFoundException)
        // The name is free again.
        yield* create(name, "again")
      }))

    it.effect("DeleteSecret rejects a recovery window outside 7..30 days", () =>
      Effect.gen(function*() {
        const name = unique("window")
        yield* create(name, "v")
        const error = yield* failure((c) =>
          c.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 3 }))
        )
        assert.instanceOf(error, InvalidParameterException)
      }))
  })

  describe("faults", () => {
    it.effect("throttle({ next }) fails the next calls with ThrottlingException, then calls succeed", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("throttled")
        yield* create(name, "v")
        yield* server.faults.throttle({ next: 2, secretId: name })
        for (const _ of [1, 2]) {
          const error = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
          assert.instanceOf(error, SecretsManagerServiceException)
          assert.strictEqual((error as SecretsManagerServiceException).name, "ThrottlingException")
          assert.strictEqual((error as SecretsManagerServiceException).$metadata.httpStatusCode, 400)
        }
        const read = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(read.SecretString, "v")
        // Failed and faulted calls count too.
        assert.strictEqual(yield* server.calls("GetSecretValue", name), 3)
      }))

    it.effect("a fault for one secret, set by name, applies to calls by ARN and leaves other secrets alone", () =>
      Effect.gen(function*() {
        const server = yield* local
        const target = unique("target")
        const other = unique("other")
        const { ARN } = yield* create(target, "t")
        yield* create(other, "o")
        yield* server.faults.throttle({ fraction: 1, secretId: target })
        const error = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: ARN })))
        assert.strictEqual((error as Error).name, "ThrottlingException")
        const read = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: other })))
        assert.strictEqual(read.SecretString, "o")
        yield* server.faults.clear
        const after = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: ARN })))
        assert.strictEqual(after.SecretString, "t")
      }))

    it.effect("serverError fails with InternalServiceError and HTTP 500", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("server-error")
        yield* create(name, "v")
        yield* server.faults.serverError({ next: 1, secretId: name })
        const error = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.instanceOf(error, InternalServiceError)
        assert.strictEqual((error as InternalServiceError).$metadata.httpStatusCode, 500)
        yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
      }))

    it.effect("fail injects AccessDeniedException and DecryptionFailure as the SDK knows them", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("denied")
        yield* create(name, "v")
        yield* server.faults.fail({ code: "AccessDeniedException", next: 1, secretId: name })
        const denied = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.instanceOf(denied, SecretsManagerServiceException)
        assert.strictEqual((denied as Error).name, "AccessDeniedException")
        yield* server.faults.fail({ code: "DecryptionFailure", next: 1, secretId: name })
        const decryption = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.instanceOf(decryption, DecryptionFailure)
      }))

    it.effect("faults apply to a BatchGetSecretValue naming the secret", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("batch-fault")
        yield* create(name, "v")
        yield* server.faults.throttle({ next: 1, secretId: name })
        const error = yield* failure((c) => c.send(new BatchGetSecretValueCommand({ SecretIdList: [name] })))
        assert.strictEqual((error as Error).name, "ThrottlingException")
      }))

    it.effect("latency sleeps on the server's Clock: the call answers only once TestClock passes it", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("slow")
        yield* create(name, "eventually")
        yield* server.faults.setLatency("10 seconds", { secretId: name })
        const before = yield* server.calls("GetSecretValue", name)
        const fiber = yield* Effect.forkChild(call((c) => c.send(new GetSecretValueCommand({ SecretId: name }))))
        yield* server.awaitCalls(before + 1, "GetSecretValue", name)
        // A round trip to the server after the slow call arrived: the slow one is now asleep, not answered.
        yield* call((c) => c.send(new DescribeSecretCommand({ SecretId: name })))
        assert.isUndefined(fiber.pollUnsafe())
        assert.isTrue((yield* TestIo.sleeps).length >= 1)
        yield* TestClock.adjust("10 seconds")
        const read = yield* Fiber.join(fiber)
        assert.strictEqual(read.SecretString, "eventually")
        yield* server.faults.clear
      }))

    it.effect("hang never answers; the client aborts it once the server has the call", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("hung")
        yield* create(name, "v")
        yield* server.faults.hang({ next: 1, secretId: name })
        const before = yield* server.calls("GetSecretValue", name)
        const controller = new AbortController()
        const fiber = yield* Effect.forkChild(
          failure((c) => c.send(new GetSecretValueCommand({ SecretId: name }), { abortSignal: controller.signal }))
        )
        yield* server.awaitCalls(before + 1, "GetSecretValue", name)
        // A round trip to the server after the hung call arrived: the hung one is still unanswered.
        yield* call((c) => c.send(new DescribeSecretCommand({ SecretId: name })))
        assert.isUndefined(fiber.pollUnsafe())
        controller.abort()
        const error = yield* Fiber.join(fiber)
        assert.strictEqual((error as Error).name, "AbortError")
        // The hang was for one call only.
        const read = yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.strictEqual(read.SecretString, "v")
      }))
  })

  describe("admin routes", () => {
    it.effect("POST /_local/faults sets faults, DELETE clears them, GET /_local/calls counts calls", () =>
      Effect.gen(function*() {
        const server = yield* local
        const name = unique("admin")
        yield* create(name, "v")
        const post = yield* Effect.promise(() =>
          fetch(`${server.url}/_local/faults`, {
            method: "POST",
            body: JSON.stringify({ secretId: name, serverError: { next: 5 } })
          })
        )
        assert.strictEqual(post.status, 200)
        const error = yield* failure((c) => c.send(new GetSecretValueCommand({ SecretId: name })))
        assert.instanceOf(error, InternalServiceError)

        const del = yield* Effect.promise(() => fetch(`${server.url}/_local/faults`, { method: "DELETE" }))
        assert.strictEqual(del.status, 200)
        yield* call((c) => c.send(new GetSecretValueCommand({ SecretId: name })))

        const calls = yield* Effect.promise(() =>
          fetch(`${server.url}/_local/calls?operation=GetSecretValue&secretId=${name}`).then((r) =>
            r.json() as Promise<{ calls: number; operations: Record<string, number> }>
          )
        )
        assert.strictEqual(calls.calls, 2)
        assert.isAtLeast(calls.operations.GetSecretValue ?? 0, 2)

        const bad = yield* Effect.promise(() =>
          fetch(`${server.url}/_local/faults`, { method: "POST", body: JSON.stringify({ hang: { next: -1 } }) })
        )
        assert.strictEqual(bad.status, 400)
      }))
  })

  describe("secret values never leak", () => {
    it.effect("no error message or error body contains a secret value", () =>
      Effect.gen(function*() {
        const server = yield* local
        const marker = `LEAK-MARKER-${randomUUID()}`
        const name = unique("leak")
        yield* create(name, marker)
        const token = randomUUID()
        yield* call((c) =>
          c.send(new PutSecretValueCommand({ SecretId: name, SecretString: marker, ClientRequestToken: token }))
        )
        const errors = [
          yield* failure((c) => c.send(new CreateSecretCommand({ Name: name, SecretString: marker }))),
          yield* failure((c) =>
            c.send(
              new PutSecretValueCommand({ SecretId: name, SecretString: `${marker}-2`, ClientRequestToken: token })
            )
          ),
          yield* failure((c) =>
            c.send(
              new PutSecretValueCommand({
                SecretId: name,
                SecretString: marker,
                SecretBinary: new TextEncoder().encode(marker)
              })
            )
          ),
          yield* failure((c) => c.send(new PutSecretValueCommand({ SecretId: unique("nope"), SecretString: marker })))
        ]
        assert.strictEqual(errors.length, 4)
        for (const error of errors) {
          assert.instanceOf(error, SecretsManagerServiceException)
          assert.notInclude((error as Error).message, marker)
          assert.notInclude(JSON.stringify(error), marker)
        }

        // Malformed requests the SDK would never send: the server must not echo them either.
        const raw = (target: string, body: string) =>
          Effect.promise(() =>
            fetch(server.url, {
              method: "POST",
              headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.1" },
              body
            }).then(async (response) => ({ status: response.status, text: await response.text() }))
          )
        const answers = [
          yield* raw(
            "secretsmanager.PutSecretValue",
            JSON.stringify({ SecretId: 42, SecretString: { nested: marker } })
          ),
          yield* raw(
            "secretsmanager.CreateSecret",
            JSON.stringify({ Name: marker.replace(/-/g, " "), SecretString: marker })
          ),
          yield* raw("secretsmanager.PutSecretValue", JSON.stringify({ SecretId: name, SecretBinary: `%%${marker}` })),
          yield* raw("secretsmanager.PutSecretValue", `{"SecretId": "${name}", "SecretString": "${marker}"`),
          yield* raw("secretsmanager.NoSuchOperation", JSON.stringify({ SecretString: marker }))
        ]
        for (const answer of answers) {
          assert.strictEqual(answer.status, 400)
          assert.notInclude(answer.text, marker)
          assert.include(answer.text, "__type")
        }
        const admin = yield* Effect.promise(() =>
          fetch(`${server.url}/_local/faults`, { method: "POST", body: JSON.stringify({ secretId: 1, x: marker }) })
            .then((response) => response.text())
        )
        assert.notInclude(admin, marker)
      }))
  })
})

describe("LocalSecretsManager lifecycle", () => {
  it.live("a hung call ends when the server shuts down, and shutting down does not wait for it", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(LocalSecretsManager.layer({ secrets: { db: "v" } }), scope)
      const server = Context.get(context, LocalSecretsManager)
      const client = makeClient(server.url)
      yield* server.faults.hang({ next: 1 })
      const fiber = yield* Effect.forkChild(
        Effect.tryPromise({
          try: () => client.send(new GetSecretValueCommand({ SecretId: "db" })),
          catch: (error) => error
        })
      )
      yield* server.awaitCalls(1, "GetSecretValue")
      yield* Scope.close(scope, Exit.void)
      const exit = yield* Fiber.await(fiber)
      client.destroy()
      assert.isTrue(Exit.isFailure(exit))
    }))

  it.live("the seeded secrets are there, each with one AWSCURRENT version, and the port is free again after", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(
        Effect.gen(function*() {
          const context = yield* Layer.build(
            LocalSecretsManager.layer({
              secrets: { text: "hello", bytes: new Uint8Array([1, 2, 3]) },
              region: "eu-west-1"
            })
          )
          const server = Context.get(context, LocalSecretsManager)
          assert.strictEqual(server.url, `http://127.0.0.1:${server.port}`)
          const client = makeClient(server.url)
          const text = yield* Effect.promise(() => client.send(new GetSecretValueCommand({ SecretId: "text" })))
          const bytes = yield* Effect.promise(() => client.send(new GetSecretValueCommand({ SecretId: "bytes" })))
          client.destroy()
          assert.strictEqual(text.SecretString, "hello")
          assert.deepStrictEqual(text.VersionStages, ["AWSCURRENT"])
          assert.match(text.ARN ?? "", /^arn:aws:secretsmanager:eu-west-1:000000000000:secret:text-/)
          assert.deepStrictEqual([...(bytes.SecretBinary ?? [])], [1, 2, 3])
          return server.port
        })
      )
      // Closed with its scope: the same port can be bound again.
      yield* Effect.scoped(Layer.build(LocalSecretsManager.layer({ port })))
    }))
})
