// Every error name AwsSecretStore knows, through the real SDK: answered over HTTP by a stub on loopback
// (`{"__type": NAME, "message": ...}` with AWS's status), or raised by the SDK in this process (credentials, region,
// endpoint). One table decides them all (`AwsErrors` of @effect-secrets/policy), and the README's table mirrors it.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import type { SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager"
import { AwsSecretStore } from "@effect-secrets/aws"
import type { SecretStoreError } from "@effect-secrets/core"
import { isTransient, SecretsService, SecretStore } from "@effect-secrets/core"
import { TestIo } from "@effect-secrets/local"
import { AwsErrors } from "@effect-secrets/policy"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as util from "node:util"
import { goodAnswer } from "./storeContract.js"
import { awsError, json, stubServer } from "./stubServer.js"

const marker = "MRKerr5Kq"

// The SDK's own provider errors, from the very module the client loads them from.
const sdkRequire = createRequire(createRequire(import.meta.url).resolve("@aws-sdk/client-secrets-manager"))
const { CredentialsProviderError, TokenProviderError } = sdkRequire("@smithy/core/config") as {
  CredentialsProviderError: new(message: string, options?: { tryNextLink?: boolean }) => Error
  TokenProviderError: new(message: string, options?: { tryNextLink?: boolean }) => Error
}

const retry = { maxAttempts: 2, base: "1 millis", max: "1 millis" } as const

const storeWith = (options: AwsSecretStore.AwsSecretStoreOptions) =>
  AwsSecretStore.layer({ timeout: "1 hour", retry, ...options }).pipe(Layer.build, Effect.map(Context.get(SecretStore)))

const failure = (store: SecretStore.Service) =>
  Effect.flatMap(
    Effect.forkChild(Effect.flip(store.fetch({ secretId: "prod/api-key" }))),
    (fiber) => TestIo.finish(fiber)
  )

const assertClean = (error: unknown, ...secrets: ReadonlyArray<string>) => {
  for (const rendering of [String(error), JSON.stringify(error), util.inspect(error, { depth: 10 })]) {
    for (const secret of [marker, ...secrets]) assert.notInclude(rendering, secret)
  }
}

const assertMaps = (error: SecretStoreError, row: AwsErrors.ErrorRow) => {
  assert.strictEqual(error._tag, row.maps._tag, `${row.name}: ${String(error)}`)
  if (error._tag === "SecretsUnavailable" && row.maps._tag === "SecretsUnavailable") {
    assert.strictEqual(error.reason, row.maps.reason, row.name)
    assert.strictEqual(error.detail, row.maps.detail, row.name)
  }
  if (error._tag === "SecretsMisconfigured" && row.maps._tag === "SecretsMisconfigured") {
    assert.strictEqual(error.reason, row.maps.reason, row.name)
  }
  if (error._tag === "SecretAccessDenied" || error._tag === "SecretRequestRejected") {
    assert.include(error.reason ?? "", row.name)
  }
}

// A client whose `send` calls are counted: how a test sees that nothing was retried when nothing went on the wire.
const countedClient = (config: SecretsManagerClientConfig) => {
  const client = new SecretsManagerClient({ ...config, maxAttempts: 1 })
  const sent = { count: 0 }
  const send = client.send.bind(client) as (...args: Array<unknown>) => Promise<unknown>
  client.send = ((...args: Array<unknown>) => {
    sent.count++
    return send(...args)
  }) as typeof client.send
  return { client, sent }
}

// The SDK reads the endpoint variables (and the region's) from process.env itself: set for one test, then restored.
const withEnvironment = <A, E, R>(variables: Record<string, string | undefined>, effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = { ...process.env }
      for (const [key, value] of Object.entries(variables)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
      return saved
    }),
    () => effect,
    (saved) =>
      Effect.sync(() => {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
        Object.assign(process.env, saved)
      })
  )

const credentials = { accessKeyId: "test", secretAccessKey: "test" }

const row = (name: string): AwsErrors.ErrorRow => {
  const found = AwsErrors.byName(name)
  assert.isDefined(found, name)
  return found!
}

describe("every AWS error name maps as the table says, through the SDK over HTTP", () => {
  for (const entry of AwsErrors.errorTable.filter((row) => row.status !== undefined)) {
    const transient = entry.maps._tag === "SecretsUnavailable"
    it.effect(
      `${entry.name} (HTTP ${entry.status}) is ${entry.maps._tag}${transient ? ", retried" : ", not retried"}`,
      () =>
        Effect.gen(function*() {
          const stub = yield* stubServer(() => awsError(entry.name, entry.status!, `leaked ${marker}`))
          const store = yield* storeWith({ clientConfig: stub.clientConfig })
          const error = yield* failure(store)
          assertMaps(error, entry)
          assert.strictEqual(isTransient(error), transient)
          assert.strictEqual(stub.calls("GetSecretValue"), transient ? 2 : 1)
          assertClean(error)
        }).pipe(Effect.scoped, TestIo.withRecording)
    )
  }

  it.effect("a name the table does not know is placed by its status, and an unreadable name is not echoed", () =>
    Effect.gen(function*() {
      const answers = [
        awsError("BrandNewException", 400),
        awsError("BrandNewException", 403),
        awsError("BrandNewException", 429),
        awsError("BrandNewException", 502),
        awsError(`Weird<${marker}>`, 400)
      ]
      const stub = yield* stubServer(({ index }) => answers[index] ?? json(500, {}))
      const store = yield* storeWith({ clientConfig: stub.clientConfig, retry: { maxAttempts: 1 } })
      const errors: Array<SecretStoreError> = []
      for (let i = 0; i < answers.length; i++) errors.push(yield* failure(store))
      assert.deepStrictEqual(errors.map((e) => e._tag === "SecretsUnavailable" ? `${e._tag}:${e.reason}` : e._tag), [
        "SecretRequestRejected",
        "SecretAccessDenied",
        "SecretsUnavailable:throttled",
        "SecretsUnavailable:server",
        "SecretRequestRejected"
      ])
      for (const error of errors) assertClean(error)
    }).pipe(Effect.scoped, TestIo.withRecording))
})

describe("an error name the table does not know, or none, is placed by its status as statusFallback says", () => {
  // Statuses Secrets Manager never answers its API with: not its answer, so transient and no eviction.
  const others = [404, 405, 409, 410, 413, 418, 302]
  const cases = [
    ...[400, 401, 403, 407, 408, 429, 500, 502, 503, 504, ...others].map((status) => ({ status, named: true })),
    ...[400, 401, 403, 407, 408, 429, 500, 503, ...others].map((status) => ({ status, named: false }))
  ]
  for (const { named, status } of cases) {
    const fallback = AwsErrors.byStatus(status)
    const transient = fallback.maps._tag === "SecretsUnavailable"
    it.effect(
      `${named ? "BrandNewException" : "no error name"} with HTTP ${status} is ${fallback.maps._tag}${
        transient ? `("${fallback.maps._tag === "SecretsUnavailable" ? fallback.maps.reason : ""}"), retried` : ""
      }`,
      () =>
        Effect.gen(function*() {
          // A nameless answer as a misrouted endpoint gives it: an empty JSON body, or a page of HTML.
          const body = named ? JSON.stringify({ __type: "BrandNewException", message: marker }) : status % 2 === 0
            ? "{}"
            : `<html><body>${marker}</body></html>`
          const stub = yield* stubServer(() => ({ status, body }))
          const store = yield* storeWith({ clientConfig: stub.clientConfig })
          const error = yield* failure(store)
          assert.strictEqual(error._tag, fallback.maps._tag, String(error))
          if (error._tag === "SecretsUnavailable" && fallback.maps._tag === "SecretsUnavailable") {
            assert.strictEqual(error.reason, fallback.maps.reason)
            assert.strictEqual(error.detail, fallback.maps.detail)
          }
          if (error._tag === "SecretAccessDenied" || error._tag === "SecretRequestRejected") {
            assert.include(error.reason ?? "", named ? "BrandNewException" : `HTTP ${status}`)
          }
          assert.strictEqual(isTransient(error), transient)
          assert.strictEqual(stub.calls("GetSecretValue"), transient ? 2 : 1)
          assertClean(error)
        }).pipe(Effect.scoped, TestIo.withRecording)
    )
  }

  it("a 404 from a misrouted endpoint is not SecretRequestRejected: Secrets Manager never answers with it", () => {
    const row = AwsErrors.byStatus(404)
    assert.isTrue(row.maps._tag === "SecretsUnavailable" && row.maps.reason === "unavailable")
  })

  it.effect("a misrouted endpoint (nameless 404s) serves the cached value stale instead of evicting it", () =>
    Effect.gen(function*() {
      let misrouted = false
      const stub = yield* stubServer(() => misrouted ? json(404, { message: "Not Found" }) : json(200, goodAnswer))
      const options = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1, maxStale: "10 minutes" } as const
      const context = yield* Layer.build(
        SecretsService.layer(options).pipe(
          Layer.provide(AwsSecretStore.layer({ timeout: "1 hour", retry, clientConfig: stub.clientConfig }))
        )
      )
      const secrets = Context.get(context, SecretsService)
      yield* secrets.get("prod/api-key")
      misrouted = true
      yield* TestClock.adjust("60 seconds")
      const stale = yield* Effect.flatMap(
        Effect.forkChild(Effect.result(secrets.getString("prod/api-key"))),
        (fiber) => TestIo.finish(fiber)
      )
      assert.isTrue(stale._tag === "Success" && Redacted.value(stale.success) === "key-v1", String(stale))
      assert.strictEqual((yield* secrets.stats).staleReads, 1)
    }).pipe(Effect.scoped, TestIo.withRecording))
})

describe("this process could not sign the request: transient, named, and no eviction", () => {
  const credentialsFailing = (error: () => Error) => {
    const calls = { count: 0 }
    return {
      calls,
      credentials: () => {
        calls.count++
        return Promise.reject(error())
      }
    }
  }

  it.effect("a credentials provider failing with CredentialsProviderError is SecretsUnavailable (credentials)", () =>
    Effect.gen(function*() {
      const stub = yield* stubServer(() => json(200, goodAnswer))
      const failing = credentialsFailing(() =>
        new CredentialsProviderError(`Could not load credentials from any providers ${marker}`, { tryNextLink: false })
      )
      const store = yield* storeWith({
        clientConfig: { endpoint: stub.url, region: "us-east-1", credentials: failing.credentials }
      })
      const error = yield* failure(store)
      assertMaps(error, row("CredentialsProviderError"))
      assert.match(error.message, /\(credentials\): CredentialsProviderError/)
      assert.strictEqual(stub.calls(), 0, "nothing could be sent")
      assert.strictEqual(failing.calls.count, 2, "retried like any transient failure")
      assertClean(error)
    }).pipe(Effect.scoped, TestIo.withRecording))

  it.effect("TokenProviderError and credentials without keys are SecretsUnavailable (credentials) too", () =>
    Effect.gen(function*() {
      const stub = yield* stubServer(() => json(200, goodAnswer))
      const token = credentialsFailing(() => new TokenProviderError(`no SSO token ${marker}`))
      const tokenStore = yield* storeWith({
        clientConfig: { endpoint: stub.url, region: "us-east-1", credentials: token.credentials }
      })
      assertMaps(yield* failure(tokenStore), row("TokenProviderError"))
      const emptyStore = yield* storeWith({
        clientConfig: {
          endpoint: stub.url,
          region: "us-east-1",
          credentials: () => Promise.resolve({ accessKeyId: undefined, secretAccessKey: marker } as never)
        }
      })
      const empty = yield* failure(emptyStore)
      assertMaps(empty, row("Resolved credential object is not valid"))
      assertClean(empty)
      assert.strictEqual(stub.calls(), 0)
    }).pipe(Effect.scoped, TestIo.withRecording))

  it.effect("an expired token serves the cached value stale; AccessDeniedException evicts it", () =>
    Effect.gen(function*() {
      let fault: string | undefined
      const stub = yield* stubServer(() => fault === undefined ? json(200, goodAnswer) : awsError(fault, 400))
      const options = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1, maxStale: "10 minutes" } as const
      const context = yield* Layer.build(
        SecretsService.layer(options).pipe(
          Layer.provide(AwsSecretStore.layer({ timeout: "1 hour", retry, clientConfig: stub.clientConfig }))
        )
      )
      const secrets = Context.get(context, SecretsService)
      const read = Effect.flatMap(
        Effect.forkChild(Effect.result(secrets.getString("prod/api-key"))),
        (fiber) => TestIo.finish(fiber)
      )
      yield* secrets.get("prod/api-key")
      fault = "ExpiredTokenException"
      yield* TestClock.adjust("60 seconds")
      const stale = yield* read
      assert.isTrue(stale._tag === "Success" && Redacted.value(stale.success) === "key-v1", "served stale")
      fault = "AccessDeniedException"
      yield* TestClock.adjust("60 seconds")
      const denied = yield* read
      assert.isTrue(denied._tag === "Failure" && denied.failure._tag === "SecretAccessDenied", String(denied))
      // Past the failure backoff, a credentials hiccup finds nothing to serve stale: the value was evicted.
      fault = "ExpiredTokenException"
      yield* TestClock.adjust("2 seconds")
      const gone = yield* read
      assert.isTrue(gone._tag === "Failure" && gone.failure._tag === "SecretsUnavailable", String(gone))
      assert.strictEqual((yield* secrets.stats).staleReads, 1, "the revoked value was not served again")
    }).pipe(Effect.scoped, TestIo.withRecording))
})

describe("a store set up wrongly is SecretsMisconfigured: not retried, and says what is wrong", () => {
  it.effect("no region anywhere: one send, SecretsMisconfigured naming AWS_REGION", () =>
    withEnvironment(
      {
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: undefined,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: "/nonexistent/effect-secrets/config",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/effect-secrets/credentials",
        AWS_EC2_METADATA_DISABLED: "true"
      },
      Effect.gen(function*() {
        const { client, sent } = countedClient({ credentials })
        const store = yield* storeWith({ client })
        const error = yield* failure(store)
        assertMaps(error, row("Region is missing"))
        assert.match(error.message, /AWS_REGION/)
        assert.strictEqual(sent.count, 1, "not retried")
        client.destroy()
      })
    ).pipe(Effect.scoped, TestIo.withRecording))

  it.effect("an empty region, refused when the client is built, fails every read the same way", () =>
    Effect.gen(function*() {
      const store = yield* storeWith({ clientConfig: { region: "", credentials } })
      assertMaps(yield* failure(store), row("Region is missing"))
      assertMaps(yield* failure(store), row("Region is missing"))
    }).pipe(Effect.scoped, TestIo.withRecording))

  it.effect("a region that is not a hostname component, FIPS with a custom endpoint", () =>
    Effect.gen(function*() {
      const bad = countedClient({ region: `us east ${marker}`, credentials })
      assertMaps(yield* failure(yield* storeWith({ client: bad.client })), row("Region not accepted"))
      assert.strictEqual(bad.sent.count, 1)
      const fips = countedClient({
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        useFipsEndpoint: true,
        credentials
      })
      const error = yield* failure(yield* storeWith({ client: fips.client }))
      assert.strictEqual(error._tag, "SecretsMisconfigured")
      assert.match(error.message, /FIPS and custom endpoint are not supported/)
      assert.strictEqual(fips.sent.count, 1)
      bad.client.destroy()
      fips.client.destroy()
    }).pipe(Effect.scoped, TestIo.withRecording))

  it.effect("an endpoint that is not a URL: the reason names the settings, never the URL or its userinfo", () =>
    Effect.gen(function*() {
      const secretPassword = "pa55-Zq8"
      const { client, sent } = countedClient({
        region: "us-east-1",
        endpoint: `https://admin:${secretPassword}@not a host`,
        credentials
      })
      const error = yield* failure(yield* storeWith({ client }))
      assertMaps(error, row("ERR_INVALID_URL"))
      assert.match(error.message, /AWS_ENDPOINT_URL/)
      assert.strictEqual(sent.count, 1)
      assertClean(error, secretPassword, "admin")
      client.destroy()
    }).pipe(Effect.scoped, TestIo.withRecording))
})

describe("an endpoint that is not an http(s) URL with a host is SecretsMisconfigured: nothing sent, nothing retried", () => {
  const secretPassword = "pa55-Yk3"
  // No variable or config file of the machine decides an endpoint here but the test's own.
  const clean = {
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: undefined,
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: "/nonexistent/effect-secrets/config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/effect-secrets/credentials"
  }
  const port = (stub: { readonly url: string }) => Number(new URL(stub.url).port)
  const assertRefused = (error: SecretStoreError) => {
    assertMaps(error, row("endpoint not http(s)"))
    assert.isFalse(isTransient(error))
    assertClean(error, secretPassword, "admin")
  }

  it.effect("clientConfig.endpoint: host:port without a scheme, another scheme, an EndpointV2 or V1 of one", () =>
    withEnvironment(
      clean,
      Effect.gen(function*() {
        // Before the check, the SDK sent the signed request to the stub over HTTP whatever the scheme said.
        const stub = yield* stubServer(() => json(200, goodAnswer))
        const endpoints: ReadonlyArray<NonNullable<SecretsManagerClientConfig["endpoint"]>> = [
          "localhost:4566",
          `localhost:${port(stub)}`,
          `ftp://admin:${secretPassword}@127.0.0.1:${port(stub)}`,
          `file:///var/run/${marker}`,
          { url: new URL(`ftp://127.0.0.1:${port(stub)}`) },
          { protocol: "ftp:", hostname: "127.0.0.1", port: port(stub), path: "/" },
          { protocol: "http:", hostname: "", port: port(stub), path: "/" }
        ]
        for (const endpoint of endpoints) {
          const store = yield* storeWith({ clientConfig: { endpoint, region: "us-east-1", credentials } })
          assertRefused(yield* failure(store))
          assert.isUndefined(store.fetchBatch, "prefetch reads alone, each read failing the same way")
        }
        assert.strictEqual(stub.calls(), 0, "nothing was sent")
      })
    ).pipe(Effect.scoped, TestIo.withRecording))

  it.effect("a provider function, the endpoint variables, a client of your own: checked on the request the SDK built", () =>
    withEnvironment(
      clean,
      Effect.gen(function*() {
        const stub = yield* stubServer(() => json(200, goodAnswer))
        const ftp = `ftp://admin:${secretPassword}@127.0.0.1:${port(stub)}`
        const provider = () => Promise.resolve({ protocol: "ftp:", hostname: "127.0.0.1", port: port(stub), path: "/" })
        const byProvider = yield* storeWith({ clientConfig: { endpoint: provider, region: "us-east-1", credentials } })
        assertRefused(yield* failure(byProvider))

        const own = countedClient({ endpoint: ftp, region: "us-east-1", credentials })
        assertRefused(yield* failure(yield* storeWith({ client: own.client })))
        assert.strictEqual(own.sent.count, 1, "not retried")
        own.client.destroy()

        for (
          const variables of [
            { AWS_ENDPOINT_URL: ftp },
            { AWS_ENDPOINT_URL: `localhost:${port(stub)}` },
            // The service's own variable comes first.
            { AWS_ENDPOINT_URL_SECRETS_MANAGER: ftp, AWS_ENDPOINT_URL: stub.url }
          ]
        ) {
          yield* withEnvironment(
            variables,
            Effect.gen(function*() {
              const store = yield* storeWith({ clientConfig: { region: "us-east-1", credentials } })
              assertRefused(yield* failure(store))
              // A batch goes through the same check: the call fails as a whole, as a misconfigured store.
              const batch = yield* Effect.flip(store.fetchBatch!(["prod/api-key", "prod/db"]))
              assertRefused(batch)
            })
          )
        }
        assert.strictEqual(stub.calls(), 0, "nothing was sent")
      })
    ).pipe(Effect.scoped, TestIo.withRecording))

  it.effect("the SDK's rules decide which endpoint applies; a variable it does not read is not checked", () =>
    withEnvironment(
      clean,
      Effect.gen(function*() {
        const stub = yield* stubServer(() => json(200, goodAnswer))
        const read = (options: AwsSecretStore.AwsSecretStoreOptions) =>
          Effect.flatMap(storeWith(options), (store) => store.fetch({ secretId: "prod/api-key" }))
        // clientConfig.endpoint: the variables are not read.
        yield* withEnvironment(
          { AWS_ENDPOINT_URL: "localhost:4566", AWS_ENDPOINT_URL_SECRETS_MANAGER: "ftp://127.0.0.1:1" },
          read({ clientConfig: stub.clientConfig })
        )
        // The service's variable over the global one; the global one alone.
        yield* withEnvironment(
          { AWS_ENDPOINT_URL_SECRETS_MANAGER: stub.url, AWS_ENDPOINT_URL: "localhost:4566" },
          read({ clientConfig: { region: "us-east-1", credentials } })
        )
        yield* withEnvironment(
          { AWS_ENDPOINT_URL: stub.url },
          read({ clientConfig: { region: "us-east-1", credentials } })
        )
        assert.strictEqual(stub.calls("GetSecretValue"), 3)

        // Told to ignore the configured endpoints, the SDK goes to Secrets Manager's own (recorded here, not sent).
        const sentTo: Array<string> = []
        const requestHandler = {
          handle: (request: { readonly protocol: string; readonly hostname: string }) => {
            sentTo.push(`${request.protocol}//${request.hostname}`)
            return Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
          }
        }
        const ignoring = [
          withEnvironment(
            { AWS_ENDPOINT_URL: "localhost:4566", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
            storeWith({ clientConfig: { region: "us-east-1", credentials, requestHandler } as never })
          ),
          withEnvironment(
            { AWS_ENDPOINT_URL: "localhost:4566" },
            storeWith({
              clientConfig: {
                region: "us-east-1",
                credentials,
                requestHandler,
                ignoreConfiguredEndpointUrls: true
              } as never
            })
          )
        ]
        for (const build of ignoring) {
          const error = yield* failure(yield* build)
          assert.isTrue(error._tag === "SecretsUnavailable" && error.reason === "network", String(error))
        }
        assert.deepStrictEqual([...new Set(sentTo)], ["https://secretsmanager.us-east-1.amazonaws.com"])
      })
    ).pipe(Effect.scoped, TestIo.withRecording))
})

describe("the README's error table", () => {
  it("mirrors the mapping table row by row", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    for (const entry of AwsErrors.errorTable) {
      const transient = AwsErrors.failureKind(entry.maps) === "transient"
      const core = entry.maps._tag === "SecretsUnavailable"
        ? `\`SecretsUnavailable\` ("${entry.maps.reason}")`
        : `\`${entry.maps._tag}\``
      const line = `| \`${entry.name}\` | ${entry.status ?? "(in process)"} | ${core} | ${transient ? "yes" : "no"} | ${
        transient ? "no" : "yes"
      } | ${entry.why} |`
      assert.include(readme, line)
    }
  })

  it("and the status fallback row by row", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    for (const entry of AwsErrors.statusFallback) {
      const transient = AwsErrors.failureKind(entry.maps) === "transient"
      const core = entry.maps._tag === "SecretsUnavailable"
        ? `\`SecretsUnavailable\` ("${entry.maps.reason}")`
        : `\`${entry.maps._tag}\``
      const line = `| ${entry.status} | ${core} | ${transient ? "yes" : "no"} | ${
        transient ? "no" : "yes"
      } | ${entry.why} |`
      assert.include(readme, line)
    }
  })
})
