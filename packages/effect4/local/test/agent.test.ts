// The agent route, over real HTTP with Node's fetch: what the AWS Secrets Manager Agent answers, as it answers it.
import { LocalSecretsManager } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"

const token = "agent-token-7Hq2"
const seed = { "prod/api-key": "key-v1", "prod/tls-key": new Uint8Array([0, 1, 2, 254, 255]) }

interface Answer {
  readonly status: number
  readonly text: string
  readonly json: Record<string, unknown> | undefined
}

const get = (
  query: Record<string, string>,
  options: { readonly headers?: Record<string, string>; readonly method?: string } = {}
) =>
  LocalSecretsManager.use((local) =>
    Effect.tryPromise({
      try: async (signal): Promise<Answer> => {
        const response = await fetch(`${local.url}/secretsmanager/get?${new URLSearchParams(query)}`, {
          method: options.method ?? "GET",
          headers: options.headers ?? { "X-Aws-Parameters-Secrets-Token": token },
          signal
        })
        const text = await response.text()
        let json: Record<string, unknown> | undefined
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        return { status: response.status, text, json }
      },
      catch: (error) => error
    })
  )

const withAgent = () => Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))

describe("the agent route", () => {
  it.effect("answers with the GetSecretValue output: CreatedDate as a string, binary as base64", () =>
    Effect.gen(function*() {
      const answer = yield* get({ secretId: "prod/api-key" })
      assert.strictEqual(answer.status, 200)
      const body = answer.json!
      assert.strictEqual(body.SecretString, "key-v1")
      assert.strictEqual(body.Name, "prod/api-key")
      assert.match(String(body.ARN), /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/api-key-\w{6}$/)
      assert.match(String(body.VersionId), /^[0-9a-f-]{36}$/)
      assert.deepStrictEqual(body.VersionStages, ["AWSCURRENT"])
      assert.isString(body.CreatedDate)
      assert.isTrue(Number.isFinite(Number(body.CreatedDate)))
      const binary = yield* get({ secretId: "prod/tls-key" })
      assert.deepStrictEqual(Array.from(Buffer.from(String(binary.json!.SecretBinary), "base64")), [0, 1, 2, 254, 255])
      assert.isUndefined(binary.json!.SecretString)
    }).pipe(withAgent()))

  it.effect("versionStage and versionId select a version", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const first = (yield* get({ secretId: "prod/api-key" })).json!.VersionId as string
      yield* local.putSecretValue("prod/api-key", "key-v2")
      assert.strictEqual((yield* get({ secretId: "prod/api-key" })).json!.SecretString, "key-v2")
      const previous = yield* get({ secretId: "prod/api-key", versionStage: "AWSPREVIOUS" })
      assert.strictEqual(previous.json!.SecretString, "key-v1")
      assert.strictEqual((yield* get({ secretId: "prod/api-key", versionId: first })).json!.SecretString, "key-v1")
      assert.strictEqual((yield* get({ secretId: "prod/api-key", refreshNow: "true" })).status, 200)
    }).pipe(withAgent()))

  describe("the SSRF token", () => {
    it.effect("a missing or wrong token is refused with 403, before anything else", () =>
      Effect.gen(function*() {
        const missing = yield* get({ secretId: "prod/api-key" }, { headers: {} })
        assert.deepStrictEqual([missing.status, missing.text], [403, "Bad Token"])
        const wrong = yield* get({ secretId: "prod/missing" }, { headers: { "X-Aws-Parameters-Secrets-Token": "x" } })
        assert.deepStrictEqual([wrong.status, wrong.text], [403, "Bad Token"])
        const post = yield* get({ secretId: "prod/api-key" }, { headers: {}, method: "POST" })
        assert.strictEqual(post.status, 403)
      }).pipe(withAgent()))

    it.effect("X-Vault-Token is accepted too, as the agent's default header list has it", () =>
      Effect.gen(function*() {
        const answer = yield* get({ secretId: "prod/api-key" }, { headers: { "X-Vault-Token": token } })
        assert.strictEqual(answer.status, 200)
      }).pipe(withAgent()))

    it.effect("without agentToken any non-empty token is accepted, and none is still refused", () =>
      Effect.gen(function*() {
        const any = yield* get({ secretId: "prod/api-key" }, { headers: { "X-Aws-Parameters-Secrets-Token": "z" } })
        assert.strictEqual(any.status, 200)
        const none = yield* get({ secretId: "prod/api-key" }, { headers: {} })
        assert.strictEqual(none.status, 403)
      }).pipe(Effect.provide(LocalSecretsManager.layer({ secrets: seed }))))

    it.effect("X-Forwarded-For is refused with 400", () =>
      Effect.gen(function*() {
        const answer = yield* get({ secretId: "prod/api-key" }, {
          headers: { "X-Aws-Parameters-Secrets-Token": token, "X-Forwarded-For": "10.0.0.1" }
        })
        assert.deepStrictEqual([answer.status, answer.text], [400, "Forwarded"])
      }).pipe(withAgent()))
  })

  describe("errors, as the agent answers them", () => {
    it.effect("a bad query: 400 in plain text; another method: 405", () =>
      Effect.gen(function*() {
        const missing = yield* get({})
        assert.deepStrictEqual([missing.status, missing.text], [400, "missing parameter secretId"])
        const unknown = yield* get({ secretId: "prod/api-key", abc: "1" })
        assert.deepStrictEqual([unknown.status, unknown.text], [400, "unknown parameter: abc"])
        const refresh = yield* get({ secretId: "prod/api-key", refreshNow: "maybe" })
        assert.deepStrictEqual([refresh.status, refresh.text], [400, "invalid refreshNow value"])
        const post = yield* get({ secretId: "prod/api-key" }, {
          method: "POST",
          headers: { "X-Aws-Parameters-Secrets-Token": token }
        })
        assert.strictEqual(post.status, 405)
      }).pipe(withAgent()))

    it.effect("Secrets Manager's errors are forwarded with its status, __type and message", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const missing = yield* get({ secretId: "prod/missing" })
        assert.strictEqual(missing.status, 400)
        assert.strictEqual(missing.json!.__type, "ResourceNotFoundException")
        assert.isString(missing.json!.message)
        const badVersion = yield* get({ secretId: "prod/api-key", versionId: "short" })
        assert.deepStrictEqual([badVersion.status, badVersion.json!.__type], [400, "ValidationException"])
        yield* local.deleteSecret("prod/api-key", { recoveryWindowInDays: 7 })
        const scheduled = yield* get({ secretId: "prod/api-key" })
        assert.deepStrictEqual([scheduled.status, scheduled.json!.__type], [400, "InvalidRequestException"])
      }).pipe(withAgent()))
  })

  describe("calls and faults", () => {
    it.effect("each request counts as AgentGet by its secretId, refused ones included", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        yield* get({ secretId: "prod/api-key" })
        yield* get({ secretId: "prod/api-key" }, { headers: {} })
        yield* get({ secretId: "prod/tls-key" })
        assert.strictEqual(yield* local.calls("AgentGet"), 3)
        assert.strictEqual(yield* local.calls("AgentGet", "prod/api-key"), 2)
        assert.strictEqual(yield* local.calls("GetSecretValue"), 0)
      }).pipe(withAgent()))

    it.effect("throttling, server errors and injected errors answer as the agent forwards them", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        yield* local.faults.throttle({ next: 1, secretId: "prod/api-key" })
        const throttled = yield* get({ secretId: "prod/api-key" })
        assert.deepStrictEqual([throttled.status, throttled.json!.__type], [400, "ThrottlingException"])
        yield* local.faults.serverError({ next: 1 })
        const server = yield* get({ secretId: "prod/api-key" })
        assert.deepStrictEqual([server.status, server.json!.__type], [500, "InternalServiceError"])
        yield* local.faults.fail({ code: "AccessDeniedException", next: 1 })
        const denied = yield* get({ secretId: "prod/api-key" })
        assert.deepStrictEqual([denied.status, denied.json!.__type], [400, "AccessDeniedException"])
        assert.strictEqual((yield* get({ secretId: "prod/api-key" })).status, 200)
      }).pipe(withAgent()))

    it.effect("latency waits on the TestClock; a hung call ends when its client aborts", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        yield* local.faults.setLatency("2 seconds")
        const slow = yield* Effect.forkChild(get({ secretId: "prod/api-key" }))
        yield* local.awaitCalls(1, "AgentGet")
        yield* TestClock.adjust("2 seconds")
        assert.strictEqual((yield* Fiber.join(slow)).status, 200)
        yield* local.faults.clear
        yield* local.faults.hang({ next: 1 })
        const hung = yield* Effect.forkChild(get({ secretId: "prod/api-key" }))
        yield* local.awaitCalls(2, "AgentGet")
        yield* Fiber.interrupt(hung)
        assert.strictEqual((yield* get({ secretId: "prod/api-key" })).status, 200)
      }).pipe(withAgent()))
  })
})
