// Review 12: a caller's own HttpClient that logs or traces its requests never sees the SSRF token in clear.
import { AgentSecretStore } from "@effect-secrets/aws"
import { SecretStore } from "@effect-secrets/core"
import { LocalSecretsManager } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Logger, Redacted, References } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as util from "node:util"

const token = "ssrf-TOKEN-r12-Qx81"

describe("review12 agent logging client", () => {
  it.effect("a client that logs each request (request and headers) logs no token", () =>
    Effect.gen(function*() {
      const local = yield* Layer.build(LocalSecretsManager.layer({ secrets: { db: "v" }, agentToken: token })).pipe(
        Effect.map(Context.get(LocalSecretsManager))
      )
      const logs: Array<string> = []
      const logger = Logger.make((options) => {
        logs.push(util.inspect(options.message, { depth: null }))
        logs.push(JSON.stringify(options.message))
      })
      const logging = Layer.effect(
        HttpClient.HttpClient,
        HttpClient.HttpClient.useSync((client) =>
          HttpClient.tapRequest(client, (request) => Effect.log(request, request.headers))
        )
      ).pipe(Layer.provide(FetchHttpClient.layer))
      const store = yield* AgentSecretStore.layer({
        endpoint: local.url,
        token: Redacted.make(token),
        retry: { maxAttempts: 1 }
      })
        .pipe(
          Layer.provide(logging),
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))),
          Layer.build,
          Effect.map(Context.get(SecretStore))
        )
      const value = yield* store.fetch({ secretId: "db" }).pipe(
        Effect.provideService(Logger.CurrentLoggers, new Set([logger])),
        Effect.provideService(References.MinimumLogLevel, "All")
      )
      assert.strictEqual(Redacted.value<string | Uint8Array>(value.value), "v")
      assert.isAtLeast(logs.length, 2)
      assert.isTrue(logs.some((line) => line.includes("x-aws-parameters-secrets-token")), "the header is logged")
      for (const line of logs) assert.notInclude(line, token)
    }).pipe(Effect.scoped))
})
