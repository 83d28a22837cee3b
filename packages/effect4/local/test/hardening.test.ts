// What the server refuses and what it bounds, over real HTTP on loopback: the Host and Origin check, request bodies,
// connections, the call log, fault rules and the secrets themselves.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient
} from "@aws-sdk/client-secrets-manager"
import { LocalSecretsManager } from "@effect-secrets/local"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Result } from "effect"
import * as Http from "node:http"
import * as Net from "node:net"

interface Answer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
}

// One request on a connection of its own, with exactly the headers given (a `host` among them replaces Node's).
const request = (options: {
  readonly method?: string | undefined
  readonly path?: string | undefined
  readonly headers?: Record<string, string> | undefined
  readonly body?: string | undefined
}) =>
  LocalSecretsManager.use((local) =>
    Effect.callback<Answer, Error>((resume) => {
      const req = Http.request({
        host: "127.0.0.1",
        port: local.port,
        method: options.method ?? "GET",
        path: options.path ?? "/",
        headers: options.headers ?? {},
        agent: false
      }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.once("end", () =>
          resume(Effect.succeed({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8")
          })))
      })
      req.once("error", (error) => resume(Effect.fail(error)))
      req.end(options.body)
      return Effect.sync(() => req.destroy())
    })
  )

const api = (operation: string, body: unknown, headers: Record<string, string> = {}) =>
  LocalSecretsManager.use((local) =>
    request({
      method: "POST",
      headers: {
        host: `127.0.0.1:${local.port}`,
        "x-amz-target": `secretsmanager.${operation}`,
        "content-type": "application/x-amz-json-1.1",
        ...headers
      },
      body: JSON.stringify(body)
    })
  )

const typeOf = (answer: Answer): unknown => (JSON.parse(answer.text) as { __type?: unknown }).__type

// A raw TCP connection, destroyed with the test's scope.
const connect = LocalSecretsManager.use((local) =>
  Effect.acquireRelease(
    Effect.callback<Net.Socket, Error>((resume) => {
      const socket = Net.connect(local.port, "127.0.0.1")
      socket.once("connect", () => resume(Effect.succeed(socket)))
      socket.once("error", (error) => resume(Effect.fail(error)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )
)

// Everything a connection receives until the server closes it.
const untilClosed = (socket: Net.Socket) =>
  Effect.callback<string>((resume) => {
    let received = ""
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8")
    })
    socket.once("error", () => undefined)
    socket.once("close", () => resume(Effect.succeed(received)))
  })

// Waits for one complete response without a body of unknown length: `/_local/calls` answers with a Content-Length.
const oneResponse = (socket: Net.Socket) =>
  Effect.callback<string>((resume) => {
    let received = ""
    const onData = (chunk: Buffer) => {
      received += chunk.toString("utf8")
      const end = received.indexOf("\r\n\r\n")
      const length = /content-length: (\d+)/i.exec(received)
      if (end >= 0 && length !== null && received.length >= end + 4 + Number(length[1])) {
        socket.off("data", onData)
        resume(Effect.succeed(received))
      }
    }
    socket.on("data", onData)
  })

const write = (socket: Net.Socket, data: string) =>
  Effect.callback<void>((resume) => void socket.write(data, () => resume(Effect.void)))

const sdk = (endpoint: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      new SecretsManagerClient({
        region: "us-east-1",
        endpoint,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        maxAttempts: 1
      })
    ),
    (client) => Effect.sync(() => client.destroy())
  )

const send = <A>(f: (client: SecretsManagerClient) => Promise<A>) =>
  LocalSecretsManager.use(
    (local) =>
      Effect.flatMap(sdk(local.url), (client) => Effect.tryPromise({ try: () => f(client), catch: (error) => error }))
  )

const callsAnswer = (query: string) =>
  LocalSecretsManager.use((local) =>
    Effect.map(
      request({ path: `/_local/calls${query}`, headers: { host: `127.0.0.1:${local.port}` } }),
      (answer) =>
        JSON.parse(answer.text) as {
          calls: number
          operations: Record<string, number>
          secretIds: Record<string, number>
        }
    )
  )

const withServer = (options: LocalSecretsManager.Options = {}) =>
  Effect.provide(LocalSecretsManager.layer({ secrets: { db: "hunter2" }, agentToken: "t", ...options }))

describe("Host and Origin", () => {
  it.effect("every route refuses a Host that is not loopback with 403 in AWS's error shape, and counts nothing", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const rebound = { host: `evil.example:${local.port}` }
      const answers = [
        yield* api("GetSecretValue", { SecretId: "db" }, rebound),
        yield* request({
          path: "/secretsmanager/get?secretId=db",
          headers: { ...rebound, "x-aws-parameters-secrets-token": "t" }
        }),
        yield* request({ path: "/_local/calls", headers: rebound }),
        yield* request({ method: "POST", path: "/_local/faults", headers: rebound, body: "{\"hang\":{\"next\":1}}" }),
        yield* request({ method: "DELETE", path: "/_local/calls", headers: rebound })
      ]
      for (const answer of answers) {
        assert.strictEqual(answer.status, 403)
        assert.strictEqual(typeOf(answer), "AccessDeniedException")
        assert.strictEqual(answer.headers["x-amzn-errortype"], "AccessDeniedException")
        assert.notInclude(answer.text, "hunter2")
        assert.notInclude(answer.text, "evil.example")
      }
      assert.strictEqual(yield* local.calls(), 0)
      // The refused POST set no fault: the secret still reads.
      assert.strictEqual(
        (yield* send((c) => c.send(new GetSecretValueCommand({ SecretId: "db" })))).SecretString,
        "hunter2"
      )
    }).pipe(Effect.scoped, withServer()))

  it.effect("loopback hosts in every spelling are answered; look-alikes and a missing Host are not", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const status = (host: string) =>
        Effect.map(request({ path: "/_local/calls", headers: { host } }), (answer) => answer.status)
      for (const host of ["localhost", `localhost:${local.port}`, "LOCALHOST.", `127.0.0.1:${local.port}`]) {
        assert.strictEqual(yield* status(host), 200, host)
      }
      for (const host of ["127.9.8.7", "[::1]", `[::1]:${local.port}`, "[0:0:0:0:0:0:0:1]"]) {
        assert.strictEqual(yield* status(host), 200, host)
      }
      for (
        const host of [
          "evil.example",
          "localhost.evil.example",
          "127.0.0.1.evil.example",
          "0.0.0.0",
          "10.0.0.1",
          "[::2]",
          "localhost@evil.example",
          "127.0.0.256"
        ]
      ) {
        assert.strictEqual(yield* status(host), 403, host)
      }
      // HTTP/1.0 needs no Host: without one the request is refused too.
      const socket = yield* connect
      yield* write(socket, "GET /_local/calls HTTP/1.0\r\n\r\n")
      assert.match(yield* untilClosed(socket), /^HTTP\/1\.1 403 /)
    }).pipe(Effect.scoped, withServer()))

  it.effect("allowedHosts adds host names, and only those", () =>
    Effect.gen(function*() {
      const status = (host: string) =>
        Effect.map(request({ path: "/_local/calls", headers: { host } }), (answer) => answer.status)
      assert.strictEqual(yield* status("host.docker.internal:4566"), 200)
      assert.strictEqual(yield* status("Secrets.Test"), 200)
      assert.strictEqual(yield* status("other.test"), 403)
    }).pipe(Effect.scoped, withServer({ allowedHosts: ["host.docker.internal", "secrets.test"] })))

  it.effect("a web page of another origin is refused, a CORS preflight gets no permission", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const host = `127.0.0.1:${local.port}`
      for (const origin of ["https://evil.example", "null", "http://evil.example:5173", "file://"]) {
        const post = yield* request({
          method: "POST",
          path: "/_local/faults",
          headers: { host, origin, "content-type": "text/plain" },
          body: "{\"serverError\":{\"next\":1}}"
        })
        assert.strictEqual(post.status, 403, origin)
        assert.strictEqual(typeOf(post), "AccessDeniedException")
      }
      assert.strictEqual(
        (yield* send((c) => c.send(new GetSecretValueCommand({ SecretId: "db" })))).SecretString,
        "hunter2"
      )

      const preflights = [
        yield* request({
          method: "OPTIONS",
          path: "/",
          headers: {
            host,
            origin: "https://evil.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-amz-target"
          }
        }),
        yield* request({
          method: "OPTIONS",
          path: "/secretsmanager/get?secretId=db",
          headers: { host, origin: "http://localhost:5173", "access-control-request-method": "GET" }
        })
      ]
      assert.strictEqual(preflights[0]!.status, 403)
      for (const preflight of preflights) {
        assert.isAtLeast(preflight.status, 400)
        assert.isUndefined(preflight.headers["access-control-allow-origin"])
        assert.isUndefined(preflight.headers["access-control-allow-headers"])
      }
      // A page served from loopback itself (a developer's own dev server) is answered.
      const own = yield* request({ path: "/_local/calls", headers: { host, origin: "http://localhost:5173" } })
      assert.strictEqual(own.status, 200)
      assert.strictEqual(own.headers["x-content-type-options"], "nosniff")
      assert.strictEqual(own.headers["cache-control"], "no-store")
    }).pipe(Effect.scoped, withServer()))

  it.effect("the SDK reaches the endpoint as localhost too", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const client = yield* sdk(`http://localhost:${local.port}`)
      const read = yield* Effect.promise(() => client.send(new GetSecretValueCommand({ SecretId: "db" })))
      assert.strictEqual(read.SecretString, "hunter2")
    }).pipe(Effect.scoped, withServer()))
})

describe("request bodies", () => {
  it.effect("a body declared over the limit is refused with 413 before any of it is read", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const socket = yield* connect
      // 50 MB announced, none of it sent: only an answer that reads nothing can come back.
      yield* write(
        socket,
        `POST / HTTP/1.1\r\nHost: 127.0.0.1:${local.port}\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\n` +
          "Content-Type: application/x-amz-json-1.1\r\nContent-Length: 52428800\r\n\r\n{\"SecretId\":"
      )
      const received = yield* untilClosed(socket)
      assert.match(received, /^HTTP\/1\.1 413 /)
      assert.match(received, /x-amzn-errortype: RequestEntityTooLargeException/i)
      assert.match(received, /connection: close/i)
      assert.include(received, "\"__type\":\"RequestEntityTooLargeException\"")
      assert.strictEqual(yield* local.calls("GetSecretValue"), 1)
    }).pipe(Effect.scoped, withServer()))

  it.effect("a chunked body is refused as soon as it passes the limit, without waiting for its end", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const socket = yield* connect
      const chunk = "x".repeat(600)
      // Two chunks pass the 1,024 bytes allowed; the body never ends.
      yield* write(
        socket,
        `POST / HTTP/1.1\r\nHost: 127.0.0.1:${local.port}\r\nX-Amz-Target: secretsmanager.PutSecretValue\r\n` +
          "Transfer-Encoding: chunked\r\n\r\n" + `258\r\n${chunk}\r\n258\r\n${chunk}\r\n`
      )
      const received = yield* untilClosed(socket)
      assert.match(received, /^HTTP\/1\.1 413 /)
      assert.include(received, "RequestEntityTooLargeException")
      assert.strictEqual(yield* local.calls("PutSecretValue"), 1)
    }).pipe(Effect.scoped, withServer({ limits: { maxRequestBytes: 1024 } })))

  it.effect("the SDK gets 413 RequestEntityTooLargeException past the limit, and the admin route has its own", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const error = yield* Effect.flip(
        send((c) => c.send(new PutSecretValueCommand({ SecretId: "db", SecretString: "v".repeat(3000) })))
      )
      assert.strictEqual((error as Error).name, "RequestEntityTooLargeException")
      assert.strictEqual((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode, 413)
      // Below the limit the same call works.
      yield* send((c) => c.send(new PutSecretValueCommand({ SecretId: "db", SecretString: "v".repeat(1000) })))
      const admin = yield* request({
        method: "POST",
        path: "/_local/faults",
        headers: { host: `127.0.0.1:${local.port}` },
        body: JSON.stringify({
          secretId: "db",
          error: { code: "AccessDeniedException", next: 1, message: "m".repeat(20_000) }
        })
      })
      assert.strictEqual(admin.status, 413)
      assert.strictEqual(typeOf(admin), "RequestEntityTooLargeException")
    }).pipe(Effect.scoped, withServer({ limits: { maxRequestBytes: 2048 } })))

  it.effect("a secret value holds at most 65,536 characters or bytes, as in AWS", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      yield* send((c) => c.send(new CreateSecretCommand({ Name: "max", SecretString: "a".repeat(65_536) })))
      const tooLong = yield* Effect.flip(
        send((c) => c.send(new PutSecretValueCommand({ SecretId: "max", SecretString: "a".repeat(65_537) })))
      )
      assert.strictEqual((tooLong as Error).name, "ValidationException")
      const tooBig = yield* Effect.flip(
        send((c) => c.send(new CreateSecretCommand({ Name: "bin", SecretBinary: new Uint8Array(65_537) })))
      )
      assert.strictEqual((tooBig as Error).name, "ValidationException")
      const helper = yield* Effect.flip(local.putSecretValue("max", new Uint8Array(65_537)))
      assert.strictEqual(helper.code, "ValidationException")
    }).pipe(Effect.scoped, withServer()))
})

describe("connections", () => {
  it.live("a connection that never finishes its headers is closed with 408 after headersTimeout", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const socket = yield* connect
      yield* write(socket, `GET /_local/calls HTTP/1.1\r\nHost: 127.0.0.1:${local.port}\r\nX-Slow: `)
      assert.match(yield* untilClosed(socket), /^HTTP\/1\.1 408 /)
    }).pipe(
      Effect.scoped,
      withServer({ limits: { headersTimeout: "100 millis", requestTimeout: "200 millis" } })
    ))

  it.effect("past maxConnections a new client takes the place of the oldest slow one, and is answered", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const slow: Array<Net.Socket> = []
      for (let i = 0; i < 3; i++) {
        const socket = yield* connect
        // One request answered (so the server holds this connection), then a next one that never finishes.
        yield* write(socket, `GET /_local/calls HTTP/1.1\r\nHost: 127.0.0.1:${local.port}\r\n\r\n`)
        yield* oneResponse(socket)
        yield* write(socket, `GET /_local/calls HTTP/1.1\r\nHost: 127.0.0.1:${local.port}\r\nX-Slow: `)
        slow.push(socket)
      }
      const closed = yield* Effect.forEach(slow, (socket) => Effect.forkChild(untilClosed(socket)))
      const read = yield* send((c) => c.send(new GetSecretValueCommand({ SecretId: "db" })))
      assert.strictEqual(read.SecretString, "hunter2")
      yield* Fiber.join(closed[0]!)
      assert.isFalse(slow[1]!.destroyed || slow[1]!.readableEnded)
      assert.isFalse(slow[2]!.destroyed || slow[2]!.readableEnded)
    }).pipe(Effect.scoped, withServer({ limits: { maxConnections: 3 } })))

  it.effect("when every connection has a call in progress a new one is refused, and accepted once one ends", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      yield* local.faults.hang({ next: 2 })
      const hung = [
        yield* Effect.forkChild(api("GetSecretValue", { SecretId: "db" })),
        yield* Effect.forkChild(api("GetSecretValue", { SecretId: "db" }))
      ]
      yield* local.awaitCalls(2, "GetSecretValue")
      const refused = yield* Effect.result(request({ path: "/_local/calls", headers: { host: "localhost" } }))
      assert.isTrue(Result.isFailure(refused))
      yield* Fiber.interrupt(hung[0]!)
      // The interrupted client closed its connection; the server sees that before it accepts the next one.
      const answer = yield* Effect.retry(request({ path: "/_local/calls", headers: { host: "localhost" } }), {
        times: 1000
      })
      assert.strictEqual(answer.status, 200)
      yield* Fiber.interrupt(hung[1]!)
    }).pipe(Effect.scoped, withServer({ limits: { maxConnections: 2 } })))
})

describe("the call log", () => {
  it.effect("GET /_local/calls applies its filter to every part of the answer", () =>
    Effect.gen(function*() {
      yield* api("GetSecretValue", { SecretId: "db" })
      yield* api("GetSecretValue", { SecretId: "db" })
      yield* api("DescribeSecret", { SecretId: "db" })
      yield* api("GetSecretValue", { SecretId: "other" })
      assert.deepStrictEqual(yield* callsAnswer("?operation=GetSecretValue&secretId=db"), {
        calls: 2,
        operations: { GetSecretValue: 2 },
        secretIds: { db: 2 }
      })
      assert.deepStrictEqual(yield* callsAnswer("?operation=GetSecretValue"), {
        calls: 3,
        operations: { GetSecretValue: 3 },
        secretIds: { db: 2, other: 1 }
      })
      assert.deepStrictEqual(yield* callsAnswer("?secretId=db"), {
        calls: 3,
        operations: { GetSecretValue: 2, DescribeSecret: 1 },
        secretIds: { db: 3 }
      })
      assert.deepStrictEqual(yield* callsAnswer(""), {
        calls: 4,
        operations: { GetSecretValue: 3, DescribeSecret: 1 },
        secretIds: { db: 3, other: 1 }
      })
    }).pipe(Effect.scoped, withServer()))

  it.effect("refused calls keep the totals exact while the log keeps only the most recent secret ids", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      for (let i = 0; i < 50; i++) {
        yield* api("GetSecretValue", { SecretId: `missing-${i}-${"x".repeat(1000)}` })
        yield* api(`Bogus${i}`, { SecretId: `bogus-${i}` })
      }
      yield* api("GetSecretValue", { SecretId: "y".repeat(5000) })
      const all = yield* callsAnswer("")
      assert.strictEqual(all.calls, 101)
      assert.deepStrictEqual(all.operations, { GetSecretValue: 51, Unknown: 50 })
      assert.deepStrictEqual(Object.keys(all.secretIds), [
        `missing-48-${"x".repeat(1000)}`,
        "bogus-48",
        `missing-49-${"x".repeat(1000)}`,
        "bogus-49"
      ])
      assert.strictEqual(yield* local.calls("GetSecretValue"), 51)
      assert.strictEqual(yield* local.calls("Unknown", "bogus-49"), 1)
      assert.strictEqual(yield* local.calls("Unknown", "bogus-0"), 0)
    }).pipe(Effect.scoped, withServer({ limits: { maxTrackedSecretIds: 4 } })))
})

describe("stored state", () => {
  it.effect("the admin route sets rules for at most maxFaultTargets secrets, until they are cleared", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const post = (body: unknown) =>
        request({
          method: "POST",
          path: "/_local/faults",
          headers: { host: `127.0.0.1:${local.port}` },
          body: JSON.stringify(body)
        })
      assert.strictEqual((yield* post({ secretId: "a", throttle: { next: 1 } })).status, 200)
      assert.strictEqual((yield* post({ serverError: { next: 1 } })).status, 200)
      assert.strictEqual((yield* post({ secretId: "a", hang: { next: 0 } })).status, 200)
      const third = yield* post({ secretId: "b", throttle: { next: 1 } })
      assert.strictEqual(third.status, 400)
      assert.strictEqual(typeOf(third), "LimitExceededException")
      yield* request({ method: "DELETE", path: "/_local/faults", headers: { host: `127.0.0.1:${local.port}` } })
      assert.strictEqual((yield* post({ secretId: "b", throttle: { next: 1 } })).status, 200)
    }).pipe(Effect.scoped, withServer({ limits: { maxFaultTargets: 2 } })))

  it.effect("a secret keeps at most maxVersionsPerSecret versions: the oldest deprecated one makes room", () =>
    Effect.gen(function*() {
      const local = yield* LocalSecretsManager
      const first = yield* local.createSecret("rotated", "v1")
      for (const value of ["v2", "v3", "v4"]) {
        yield* send((c) => c.send(new PutSecretValueCommand({ SecretId: "rotated", SecretString: value })))
      }
      const gone = yield* Effect.flip(
        send((c) => c.send(new GetSecretValueCommand({ SecretId: "rotated", VersionId: first.versionId })))
      )
      assert.strictEqual((gone as Error).name, "ResourceNotFoundException")
      const previous = yield* send((c) =>
        c.send(new GetSecretValueCommand({ SecretId: "rotated", VersionStage: "AWSPREVIOUS" }))
      )
      assert.strictEqual(previous.SecretString, "v3")

      // Every version labelled: no room, as at AWS's quota.
      yield* local.createSecret("labelled", "v1")
      yield* local.putSecretValue("labelled", "v2", ["AWSPENDING"])
      yield* local.putSecretValue("labelled", "v3", ["CUSTOM"])
      const full = yield* Effect.flip(
        send((c) => c.send(new PutSecretValueCommand({ SecretId: "labelled", SecretString: "v4" })))
      )
      assert.strictEqual((full as Error).name, "LimitExceededException")
    }).pipe(Effect.scoped, withServer({ limits: { maxVersionsPerSecret: 3 } })))

  it.effect("secrets hold at most maxStoredBytes; deleting one makes room again", () =>
    Effect.gen(function*() {
      const value = "s".repeat(2000)
      const created: Array<string> = []
      let refused: unknown = undefined
      for (let i = 0; i < 20 && refused === undefined; i++) {
        const result = yield* Effect.result(
          send((c) => c.send(new CreateSecretCommand({ Name: `bulk-${i}`, SecretString: value })))
        )
        if (Result.isSuccess(result)) created.push(`bulk-${i}`)
        else refused = result.failure
      }
      // Each costs about 3.3 KB (its value, 1 KiB per secret, 256 bytes per version, its name and version id): five
      // fit in 17 KiB, a sixth does not.
      assert.strictEqual(created.length, 5)
      assert.strictEqual((refused as Error).name, "LimitExceededException")
      yield* send((c) => c.send(new DeleteSecretCommand({ SecretId: "bulk-0", ForceDeleteWithoutRecovery: true })))
      yield* send((c) => c.send(new CreateSecretCommand({ Name: "bulk-again", SecretString: value })))
    }).pipe(Effect.scoped, withServer({ limits: { maxStoredBytes: 17 * 1024 }, secrets: {} })))
})
