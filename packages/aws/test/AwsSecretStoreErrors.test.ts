// Every error name AwsSecretStore knows, through the real SDK: answered over HTTP by a stub on loopback
// (`{"__type": NAME, "message": ...}` with AWS's status), or raised by the SDK in this process (credentials, region,
// endpoint). One table decides them all (src/internal/sdk.ts), and the README's table mirrors it.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager"
import type { SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager"
import { AwsSecretStore } from "@effect-secrets/aws"
import type { SecretStoreError } from "@effect-secrets/core"
import { isTransient, SecretsService, SecretStore } from "@effect-secrets/core"
import { TestIo } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted, TestClock } from "effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as util from "node:util"
import type { ErrorRow } from "../src/internal/sdk.js"
import { errorTable } from "../src/internal/sdk.js"
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
  Effect.flatMap(Effect.fork(Effect.flip(store.fetch({ secretId: "prod/api-key" }))), (fiber) => TestIo.finish(fiber))

const assertClean = (error: unknown, ...secrets: ReadonlyArray<string>) => {
  for (const rendering of [String(error), JSON.stringify(error), util.inspect(error, { depth: 10 })]) {
    for (const secret of [marker, ...secrets]) assert.notInclude(rendering, secret)
  }
}

const assertMaps = (error: SecretStoreError, row: ErrorRow) => {
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

const row = (name: string): ErrorRow => {
  const found = errorTable.find((row) => row.name === name)
  assert.isDefined(found, name)
  return found!
}

describe("every AWS error name maps as the table says, through the SDK over HTTP", () => {
  for (const entry of errorTable.filter((row) => row.status !== undefined)) {
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
        }).pipe(Effect.scoped)
    )
  }

  it.effect("a name the table does not know is placed by its status, and an unreadable name is not echoed", () =>
    Effect.gen(function*() {
      const answers = [
        awsError("BrandNewException", 400),
        awsError("BrandNewException", 403),
        awsError("BrandNewException", 429),
        awsError("BrandNewException", 502),
        awsError(`Weird<${marker}>`, 400),
        json(404, "")
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
        "SecretRequestRejected",
        "SecretRequestRejected"
      ])
      for (const error of errors) assertClean(error)
    }).pipe(Effect.scoped))
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
    }).pipe(Effect.scoped))

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
    }).pipe(Effect.scoped))

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
        Effect.fork(Effect.either(secrets.getString("prod/api-key"))),
        (fiber) => TestIo.finish(fiber)
      )
      yield* secrets.get("prod/api-key")
      fault = "ExpiredTokenException"
      yield* TestClock.adjust("60 seconds")
      const stale = yield* read
      assert.isTrue(stale._tag === "Right" && Redacted.value(stale.right) === "key-v1", "served stale")
      fault = "AccessDeniedException"
      yield* TestClock.adjust("60 seconds")
      const denied = yield* read
      assert.isTrue(denied._tag === "Left" && denied.left._tag === "SecretAccessDenied", String(denied))
      // Past the failure backoff, a credentials hiccup finds nothing to serve stale: the value was evicted.
      fault = "ExpiredTokenException"
      yield* TestClock.adjust("2 seconds")
      const gone = yield* read
      assert.isTrue(gone._tag === "Left" && gone.left._tag === "SecretsUnavailable", String(gone))
      assert.strictEqual((yield* secrets.stats).staleReads, 1, "the revoked value was not served again")
    }).pipe(Effect.scoped))
})

describe("a store set up wrongly is SecretsMisconfigured: not retried, and says what is wrong", () => {
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
    ).pipe(Effect.scoped))

  it.effect("an empty region, refused when the client is built, fails every read the same way", () =>
    Effect.gen(function*() {
      const store = yield* storeWith({ clientConfig: { region: "", credentials } })
      assertMaps(yield* failure(store), row("Region is missing"))
      assertMaps(yield* failure(store), row("Region is missing"))
    }).pipe(Effect.scoped))

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
    }).pipe(Effect.scoped))

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
    }).pipe(Effect.scoped))
})

describe("the README's error table", () => {
  it("mirrors the mapping table row by row", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    for (const entry of errorTable) {
      const transient = entry.maps._tag === "SecretsUnavailable"
      const core = entry.maps._tag === "SecretsUnavailable"
        ? `\`SecretsUnavailable\` ("${entry.maps.reason}")`
        : `\`${entry.maps._tag}\``
      const line = `| \`${entry.name}\` | ${entry.status ?? "(in process)"} | ${core} | ${transient ? "yes" : "no"} | ${
        transient ? "no" : "yes"
      } | ${entry.why} |`
      assert.include(readme, line)
    }
  })
})
