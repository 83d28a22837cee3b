// An HTTP API whose handler needs two secrets on every request, served twice by one server: through SecretsService
// (`GET /greeting`), and through the AWS SDK called in the handler (`GET /naive/greeting`, the classic mistake: one
// GetSecretValue per secret per request). A bounded load test on loopback counts what each costs Secrets Manager.
// Everything runs in this process: the API, the load, and a local Secrets Manager endpoint the real SDK talks to.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import { AwsSecrets } from "@effect-secrets/aws"
import { SecretsService } from "@effect-secrets/core"
import { LocalSecretsManager } from "@effect-secrets/local"
import { HttpClient, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { Console, Context, Duration, Effect, Layer, Redacted, Schema } from "effect"
import { timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"

export const ApiKeyId = "demo/api-key"
export const ConfigId = "demo/greeting-config"

// The key clients send in `x-api-key`; the server checks it against the secret on every request.
export const clientApiKey = "demo-key-7f3a"

// A JSON secret. `Schema.Redacted` keeps the webhook token out of every log line and response.
const GreetingConfig = Schema.Struct({
  greeting: Schema.String,
  webhookToken: Schema.Redacted(Schema.String)
})
type GreetingConfig = typeof GreetingConfig.Type

// Where the handler gets its two secrets from: the cache, or the SDK on every call.
interface SecretSource {
  readonly apiKey: Effect.Effect<Redacted.Redacted<string>, unknown>
  readonly config: Effect.Effect<GreetingConfig, unknown>
}

const cached: Effect.Effect<SecretSource, never, SecretsService> = Effect.map(SecretsService, (secrets) => ({
  apiKey: secrets.getString(ApiKeyId),
  config: secrets.getJson(ConfigId, GreetingConfig)
}))

// The classic mistake, as it is usually written: `await client.send(new GetSecretValueCommand(...))` in the handler.
export class NaiveClient extends Context.Tag("@effect-secrets/example-http-server/NaiveClient")<
  NaiveClient,
  SecretsManagerClient
>() {}

const naive: Effect.Effect<SecretSource, never, NaiveClient> = Effect.map(NaiveClient, (client) => {
  const read = (secretId: string) =>
    Effect.tryPromise((abortSignal) => client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal }))
      .pipe(Effect.map((out) => Redacted.make(out.SecretString ?? "")))
  return {
    apiKey: read(ApiKeyId),
    config: read(ConfigId).pipe(
      Effect.flatMap((text) => Schema.decode(Schema.parseJson(GreetingConfig))(Redacted.value(text)))
    )
  }
})

// Constant-time comparison, so response times do not reveal how much of a guessed key was right.
const sameKey = (given: string, expected: Redacted.Redacted<string>): boolean => {
  const a = Buffer.from(given)
  const b = Buffer.from(Redacted.value(expected))
  return a.length === b.length && timingSafeEqual(a, b)
}

// The handler: authenticate the caller with one secret, answer with another. No secret value reaches the response.
const greeting = <R>(source: Effect.Effect<SecretSource, never, R>) =>
  Effect.gen(function*() {
    const secrets = yield* source
    const request = yield* HttpServerRequest.HttpServerRequest
    const expected = yield* secrets.apiKey
    if (!sameKey(request.headers["x-api-key"] ?? "", expected)) {
      return HttpServerResponse.text("unauthorized", { status: 401 })
    }
    const config = yield* secrets.config
    return yield* HttpServerResponse.json({ message: `${config.greeting}, caller!` })
  }).pipe(Effect.catchAll(() => HttpServerResponse.text("secrets unavailable", { status: 503 })))

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/health", HttpServerResponse.text("ok")),
  HttpRouter.get("/greeting", greeting(cached)),
  HttpRouter.get("/naive/greeting", greeting(naive))
)

// Production would use `AwsSecrets.layer({ timeToLive: "5 minutes" })` and the SDK's standard chain; here both are
// pointed at the local endpoint.
const SecretsLive = Layer.unwrapEffect(
  Effect.map(
    LocalSecretsManager,
    (local) => AwsSecrets.layer({ timeToLive: "5 minutes", clientConfig: local.clientConfig })
  )
)

const NaiveClientLive = Layer.unwrapEffect(
  Effect.map(LocalSecretsManager, (local) =>
    Layer.scoped(
      NaiveClient,
      Effect.acquireRelease(
        Effect.sync(() => new SecretsManagerClient(local.clientConfig)),
        (client) => Effect.sync(() => client.destroy())
      )
    ))
)

// The API on 127.0.0.1 (any free port), the local Secrets Manager seeded with the two secrets, and an HTTP client for
// the load generator. Closing the layer stops all of it.
export const DemoLive = HttpServer.serve(router).pipe(
  Layer.provide(NaiveClientLive),
  Layer.provideMerge(SecretsLive),
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provideMerge(LocalSecretsManager.layer({
    secrets: {
      [ApiKeyId]: clientApiKey,
      [ConfigId]: JSON.stringify({ greeting: "Hello", webhookToken: "whk-s3cr3t" })
    }
  })),
  Layer.provideMerge(NodeHttpClient.layerUndici)
)

export interface LoadOptions {
  readonly requests: number
  readonly concurrency: number
}

export interface LoadResult {
  readonly served: number
  readonly failed: number
  readonly getSecretValueCalls: number
  readonly millis: number
}

// Sends `requests` GETs to `path`, `concurrency` at a time, and counts the answers and the GetSecretValue calls
// Secrets Manager received meanwhile. Bounded in time too: each request gets 10 seconds and the whole run 2 minutes;
// whatever is not answered by then counts as failed.
export const load = (path: string, options: LoadOptions) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const local = yield* LocalSecretsManager
    const url = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(`${address}${path}`))
    let served = 0
    const one = client.get(url, { headers: { "x-api-key": clientApiKey } }).pipe(
      Effect.filterOrFail((response) => response.status === 200, (response) => response.status),
      Effect.flatMap((response) => response.text),
      Effect.timeout("10 seconds"),
      Effect.match({ onFailure: () => undefined, onSuccess: () => void served++ })
    )
    const before = yield* local.calls("GetSecretValue")
    const [duration] = yield* Effect.timed(
      Effect.forEach(Array.from({ length: options.requests }), () => one, {
        concurrency: options.concurrency,
        discard: true
      }).pipe(Effect.timeoutOption("2 minutes"))
    )
    const getSecretValueCalls = (yield* local.calls("GetSecretValue")) - before
    return {
      served,
      failed: options.requests - served,
      getSecretValueCalls,
      millis: Math.round(Duration.toMillis(duration))
    }
  })

export const program = (
  options: LoadOptions = { requests: 2000, concurrency: 32 },
  say: (line: string) => Effect.Effect<void> = Console.log
) =>
  Effect.gen(function*() {
    const local = yield* LocalSecretsManager
    const server = yield* HttpServer.addressFormattedWith(Effect.succeed)
    const secrets = yield* SecretsService
    const line = (label: string, result: LoadResult) =>
      say(
        `${label} ${result.served} served, ${result.failed} failed in ${result.millis} ms; ` +
          `${result.getSecretValueCalls} GetSecretValue calls.`
      )

    yield* say(`effect-secrets http-server: GET /greeting reads 2 secrets per request (an API key and a JSON config).`)
    yield* say(`API at ${server}, Secrets Manager (local, real AWS SDK) at ${local.url}`)
    yield* say(`Load: ${options.requests} requests per handler, ${options.concurrency} concurrent, on loopback.\n`)

    // Warm the server, the client and the JIT on a route that reads no secret, so neither handler pays for it.
    yield* load("/health", { requests: 200, concurrency: options.concurrency })

    const viaCache = yield* load("/greeting", options)
    yield* line("GET /greeting (SecretsService)       ", viaCache)
    const stats = yield* secrets.stats
    yield* say(`  cache: ${stats.hits} hits, ${stats.misses} misses, ${stats.loads} loads`)

    const viaSdk = yield* load("/naive/greeting", options)
    yield* line("GET /naive/greeting (SDK per request)", viaSdk)
    return { viaCache, viaSdk }
  })
