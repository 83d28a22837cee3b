// SecretsService over AgentSecretStore, through effect/http's HttpClient (the global fetch) over real HTTP, against the
// agent route of LocalSecretsManager on loopback. The endpoint and the store share the test's TestClock.
import { AgentSecretStore } from "@effect-secrets/aws"
import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager, TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import {
  Clock,
  ConfigProvider,
  Context,
  Duration,
  Effect,
  Fiber,
  Layer,
  Logger,
  Option,
  Redacted,
  References,
  Result,
  Schema,
  Tracer
} from "effect"
import { TestClock } from "effect/testing"
import { randomUUID } from "node:crypto"
import { rm, writeFile } from "node:fs/promises"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as util from "node:util"
import { describeAnswerContract, describeErrorContract, describeFaultContract } from "./storeContract.js"

const token = "ssrf-TOKEN-Zp41x"
const marker = "MRKagent7Y"
const seed = {
  "prod/api-key": "key-v1",
  "prod/db": JSON.stringify({ username: "app", password: `pw-${marker}` }),
  "prod/tls-key": new Uint8Array([0, 1, 2, 254, 255])
}

type Options = SecretsOptions & AgentSecretStore.AgentSecretStoreOptions

// Exact deadlines, no retries unless a test asks, and a timeout far beyond any backoff a test jumps over.
const base: Options = {
  timeToLive: "60 seconds",
  jitter: 0,
  refreshAhead: 1,
  timeout: "1 hour",
  retry: { maxAttempts: 1 }
}

// The environment the store reads its token from, and nothing else: no variable of the machine leaks in.
const environment = (variables: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(variables))

const stack = (
  options: Options = {},
  variables: Record<string, string> = { AWS_TOKEN: token },
  secrets: Record<string, string | Uint8Array> = seed
) =>
  Layer.unwrap(
    Effect.map(LocalSecretsManager, (local) =>
      SecretsService.layer({ ...base, ...options }).pipe(
        Layer.provide(AgentSecretStore.layerFetch({ ...base, endpoint: local.url, ...options }))
      ))
  ).pipe(
    Layer.provide(environment(variables)),
    Layer.provideMerge(LocalSecretsManager.layer({ secrets, agentToken: token }))
  )

// The store alone, for tests that look at one fetch; its HTTP client lives as long as the test's scope.
const store = (options: AgentSecretStore.AgentSecretStoreOptions, variables: Record<string, string>) =>
  AgentSecretStore.layerFetch({ retry: { maxAttempts: 1 }, ...options }).pipe(
    Layer.provide(environment(variables)),
    Layer.build,
    Effect.map(Context.get(SecretStore))
  )

const text = (secret: { readonly value: Redacted.Redacted<string | Uint8Array> }) => {
  const value = Redacted.value(secret.value)
  return typeof value === "string" ? value : Buffer.from(value).toString("hex")
}

const renderings = (error: unknown) => [String(error), JSON.stringify(error), util.inspect(error, { depth: 10 })]

// Everything an exporter or a debugger could print of a value: inspected fully (hidden fields too), and as JSON with
// every Map, Set, bigint and cycle spelled out.
const deepRenderings = (value: unknown): ReadonlyArray<string> => {
  const seen = new WeakSet<object>()
  const json = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return item.toString()
    if (typeof item === "object" && item !== null) {
      if (seen.has(item)) return "[cycle]"
      seen.add(item)
      if (item instanceof Map) return Object.fromEntries(item)
      if (item instanceof Set) return [...item]
    }
    return item
  })
  return [
    util.inspect(value, { depth: null, showHidden: true, getters: true }),
    json ?? ""
  ]
}

describe("AgentSecretStore against the agent route", () => {
  it.effect("reads string, binary and JSON secrets with their metadata, and older versions", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const secrets = yield* SecretsService
      const apiKey = yield* secrets.get("prod/api-key")
      assert.strictEqual(text(apiKey), "key-v1")
      assert.strictEqual(apiKey.name, "prod/api-key")
      assert.match(apiKey.arn, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/api-key-\w{6}$/)
      assert.match(apiKey.versionId, /^[0-9a-f-]{36}$/)
      assert.deepStrictEqual(apiKey.versionStages, ["AWSCURRENT"])
      assert.instanceOf(apiKey.createdDate, Date)
      assert.strictEqual(apiKey.createdDate!.getTime(), yield* Clock.currentTimeMillis)
      const tlsKey = yield* secrets.getBinary("prod/tls-key")
      assert.deepStrictEqual(Array.from(Redacted.value(tlsKey)), [0, 1, 2, 254, 255])
      const db = yield* secrets.getJson(
        "prod/db",
        Schema.Struct({ username: Schema.String, password: Schema.RedactedFromValue(Schema.String) })
      )
      assert.strictEqual(db.username, "app")
      assert.strictEqual(Redacted.value(db.password), `pw-${marker}`)
      assert.strictEqual(text(yield* secrets.get(apiKey.arn)), "key-v1")
      yield* local.putSecretValue("prod/api-key", "key-v2")
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual(text(yield* secrets.get("prod/api-key")), "key-v2")
      assert.strictEqual(text(yield* secrets.get("prod/api-key", { versionStage: "AWSPREVIOUS" })), "key-v1")
      assert.strictEqual(text(yield* secrets.get("prod/api-key", { versionId: apiKey.versionId })), "key-v1")
      assert.strictEqual(yield* local.calls("GetSecretValue"), 0, "only the agent route was called")
    }).pipe(Effect.provide(stack())))

  it.effect("one agent call for many concurrent readers, none for hits", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const local = yield* LocalSecretsManager
      yield* Effect.all(Array.from({ length: 200 }, () => secrets.getString("prod/api-key")), {
        concurrency: "unbounded"
      })
      yield* secrets.getString("prod/api-key")
      assert.strictEqual(yield* local.calls("AgentGet"), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("prefetch reads one secret at a time: the agent has no batch route", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const local = yield* LocalSecretsManager
      const results = yield* secrets.prefetch(["prod/api-key", "prod/db", "prod/missing"])
      assert.deepStrictEqual(results.map((r) => Result.isSuccess(r) ? "ok" : r.failure._tag), [
        "ok",
        "ok",
        "SecretNotFound"
      ])
      assert.strictEqual(yield* local.calls("AgentGet"), 3)
      assert.strictEqual(yield* local.calls("BatchGetSecretValue"), 0)
    }).pipe(Effect.provide(stack())))

  describe("every answer of the agent maps to its tag", () => {
    it.effect("nothing listening is SecretsUnavailable (network)", () =>
      Effect.gen(function*() {
        // Port 9 (discard) on loopback: nothing listens there on these machines.
        const agent = yield* store({ endpoint: "http://127.0.0.1:9" }, { AWS_TOKEN: token })
        const error = yield* Effect.flip(agent.fetch({ secretId: "prod/api-key" }))
        assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "network", String(error))
      }).pipe(Effect.scoped))

    it.effect("an endpoint without the agent route (HTTP 404) is transient: not SecretNotFound, and evicts nothing", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const agent = yield* store({ endpoint: `${local.url}/not-the-agent` }, { AWS_TOKEN: token })
        const error = yield* Effect.flip(agent.fetch({ secretId: "prod/api-key" }))
        assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "unavailable", String(error))
        assert.match(error.message, /404/)
        assert.match(error.message, /check the endpoint/)
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))
  })

  describe("the SSRF token", () => {
    it.effect("is read from AWS_TOKEN, then AWS_SESSION_TOKEN, then AWS_CONTAINER_AUTHORIZATION_TOKEN", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        for (
          const variables of [
            { AWS_TOKEN: token, AWS_SESSION_TOKEN: "session-token" },
            { AWS_SESSION_TOKEN: token },
            { AWS_TOKEN: "", AWS_CONTAINER_AUTHORIZATION_TOKEN: token }
          ]
        ) {
          const agent = yield* store({ endpoint: local.url }, variables)
          const secret = yield* agent.fetch({ secretId: "prod/api-key" })
          assert.strictEqual(text(secret), "key-v1", JSON.stringify(Object.keys(variables)))
        }
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))

    it.effect("AWS_TOKEN=file://<path> is read from the file at each call, as the agent reads it", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const path = join(tmpdir(), `awssmatoken-${randomUUID()}`)
        yield* Effect.acquireRelease(
          Effect.promise(() => writeFile(path, `${token}\n`)),
          () => Effect.promise(() => rm(path, { force: true }))
        )
        const agent = yield* store({ endpoint: local.url }, { AWS_TOKEN: `file://${path}` })
        assert.strictEqual(text(yield* agent.fetch({ secretId: "prod/api-key" })), "key-v1")
        yield* Effect.promise(() => rm(path))
        // An agent rewriting its token file is a hiccup of this process's credentials, not a revocation.
        const error = yield* Effect.flip(agent.fetch({ secretId: "prod/api-key" }))
        assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "credentials", String(error))
        assert.notInclude(error.message, path)
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))

    it.effect("a wrong token (HTTP 403) is SecretsUnavailable (credentials); no token is SecretsMisconfigured, no call", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const wrong = yield* store({ endpoint: local.url }, { AWS_TOKEN: "not-the-token" })
        const refused = yield* Effect.flip(wrong.fetch({ secretId: "prod/api-key" }))
        assert.isTrue(refused._tag === "SecretsUnavailable" && refused.reason === "credentials", String(refused))
        assert.match(refused.message, /SSRF token/)
        assert.strictEqual(yield* local.calls("AgentGet"), 1)
        const none = yield* store({ endpoint: local.url }, {})
        const missing = yield* Effect.flip(none.fetch({ secretId: "prod/api-key" }))
        assert.strictEqual(missing._tag, "SecretsMisconfigured")
        assert.match(missing.message, /AWS_TOKEN/)
        assert.strictEqual(yield* local.calls("AgentGet"), 1, "no request without a token")
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))

    it.effect("the token option wins over the environment", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const agent = yield* store({ endpoint: local.url, token: Redacted.make(token) }, { AWS_TOKEN: "stale" })
        assert.strictEqual(text(yield* agent.fetch({ secretId: "prod/api-key" })), "key-v1")
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))

    it.effect("the token is in no span (attributes, events, exit), no error and no log line", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const spans: Array<Tracer.Span> = []
        const native = yield* Effect.tracer
        // Every span any layer opens, kept whole: its attributes, events, links and, once ended, its exit.
        const recording = Tracer.make({
          span: (options) => {
            const span = native.span(options)
            spans.push(span)
            return span
          },
          ...(native.context === undefined ? {} : { context: native.context })
        })
        const logs: Array<string> = []
        const logger = Logger.make((options) => void logs.push(util.inspect(options, { depth: null })))
        const observed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          effect.pipe(
            Effect.withTracer(recording),
            Effect.withSpan("test"),
            Effect.provideService(Logger.CurrentLoggers, new Set([logger])),
            Effect.provideService(References.MinimumLogLevel, "All")
          )
        const agent = yield* store({ endpoint: local.url }, { AWS_TOKEN: token })
        const errors: Array<unknown> = []
        const fail = observed(Effect.flip(agent.fetch({ secretId: "prod/db" })))
        yield* observed(agent.fetch({ secretId: "prod/db" }))
        for (const code of ["AccessDeniedException", "DecryptionFailure", "InvalidParameterException"] as const) {
          yield* local.faults.fail({ code, next: 1, message: `leaked ${marker} ${token}` })
          errors.push(yield* fail)
        }
        yield* local.faults.throttle({ next: 1 })
        errors.push(yield* fail)
        yield* local.faults.serverError({ next: 1 })
        errors.push(yield* fail)
        const wrong = yield* store({ endpoint: local.url }, { AWS_TOKEN: `wrong-${token}` })
        errors.push(yield* observed(Effect.flip(wrong.fetch({ secretId: "prod/db" }))))
        // Port 9 (discard): nothing listens, so the request fails before any answer.
        const nowhere = yield* store({ endpoint: "http://127.0.0.1:9" }, { AWS_TOKEN: token })
        errors.push(yield* observed(Effect.flip(nowhere.fetch({ secretId: "prod/db" }))))
        assert.strictEqual(errors.length, 7)
        for (const error of errors) {
          for (const rendering of renderings(error)) {
            assert.notInclude(rendering, marker)
            assert.notInclude(rendering, token)
          }
        }
        const requests = spans.filter((span) => span.name.startsWith("http.client"))
        assert.strictEqual(requests.length, 8, "one client span per request")
        assert.isTrue(requests.every((span) => String(span.attributes.get("url.full")).includes("/secretsmanager/get")))
        assert.isTrue(requests.some((span) => span.attributes.get("http.response.status_code") === 200))
        for (const span of spans) {
          assert.strictEqual(span.status._tag, "Ended", span.name)
          const exit = span.status._tag === "Ended" ? span.status.exit : undefined
          for (
            const rendering of [
              ...deepRenderings(span),
              ...deepRenderings(exit),
              ...deepRenderings((span as { readonly events?: unknown }).events)
            ]
          ) {
            assert.notInclude(rendering, token, span.name)
            assert.notInclude(rendering, marker, span.name)
          }
        }
        for (const line of logs) assert.notInclude(line, token)
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))
  })

  describeFaultContract({ operation: "AgentGet", stack: (options) => stack(options) })
  describeErrorContract({ operation: "AgentGet", stack: (options) => stack(options) })
  describeAnswerContract({
    operation: "AgentGet",
    at: (url, options) => AgentSecretStore.layerFetch({ ...options, endpoint: url, token: Redacted.make(token) })
  })

  describe("interruption", () => {
    it.effect("interrupting a fetch closes its HTTP request", () =>
      Effect.gen(function*() {
        // A bare server that never answers and notes when the client goes away.
        let arrived = false
        let closed = false
        const server = yield* Effect.acquireRelease(
          Effect.callback<Http.Server>((resume) => {
            const server = Http.createServer((request) => {
              arrived = true
              request.socket.on("close", () => {
                closed = true
              })
            })
            server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
          }),
          (server) =>
            Effect.callback<void>((resume) => {
              server.closeAllConnections()
              server.close(() => resume(Effect.void))
            })
        )
        const port = (server.address() as AddressInfo).port
        const agent = yield* store({ endpoint: `http://127.0.0.1:${port}` }, { AWS_TOKEN: token })
        const reading = yield* Effect.forkChild(agent.fetch({ secretId: "prod/api-key" }))
        while (!arrived) yield* TestIo.ioTurn
        yield* Fiber.interrupt(reading)
        for (let turn = 0; turn < 10_000 && !closed; turn++) yield* TestIo.ioTurn
        assert.isTrue(closed, "the connection was closed by the client")
      }).pipe(Effect.scoped))
  })

  describe("configuration", () => {
    it.effect("layerNode, deprecated since 0.2.0, still provides the store (now over fetch)", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const agent = yield* AgentSecretStore.layerNode({ endpoint: local.url, retry: { maxAttempts: 1 } }).pipe(
          Layer.provide(environment({ AWS_TOKEN: token })),
          Layer.build,
          Effect.map(Context.get(SecretStore))
        )
        assert.strictEqual(text(yield* agent.fetch({ secretId: "prod/api-key" })), "key-v1")
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))

    it.effect("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT sets the default endpoint's port", () =>
      Effect.gen(function*() {
        const local = yield* LocalSecretsManager
        const agent = yield* store({}, { AWS_TOKEN: token, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(local.port) })
        assert.strictEqual(text(yield* agent.fetch({ secretId: "prod/api-key" })), "key-v1")
      }).pipe(Effect.scoped, Effect.provide(LocalSecretsManager.layer({ secrets: seed, agentToken: token }))))

    it.effect("config reads the endpoint and the store's retry and timeout settings", () =>
      Effect.gen(function*() {
        const options = yield* AgentSecretStore.config.pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromUnknown({
              SECRETS_AGENT_ENDPOINT: "http://127.0.0.1:2775",
              SECRETS_STORE_MAX_ATTEMPTS: "2",
              SECRETS_STORE_TIMEOUT: "3 seconds"
            })
          )
        )
        assert.strictEqual(options.endpoint, "http://127.0.0.1:2775")
        assert.isTrue(Duration.equals(Duration.fromInputUnsafe(options.timeout!), Duration.seconds(3)))
        assert.strictEqual(options.retry?.maxAttempts, 2)
        const token = yield* AgentSecretStore.tokenConfig.pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromUnknown({ AWS_SESSION_TOKEN: "t" }))
        )
        assert.isTrue(Option.isSome(token) && Redacted.value(token.value) === "t")
        assert.strictEqual(String(token), String(Option.some(Redacted.make("t"))), "rendered redacted")
      }))
  })
})
