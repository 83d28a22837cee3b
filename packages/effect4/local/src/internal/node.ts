/**
 * Effect 4's `HttpServer` on a Node `http.Server`. `@effect/platform-node-shared` 4.1 has no `NodeHttpServer` (it
 * lives in `@effect/platform-node`, which needs a redis peer), so this is the small part of one that this server
 * needs: each request runs as its own fiber with an `HttpServerRequest` that keeps Node's request and response at
 * hand, the fiber is interrupted as a client abort when the connection closes before the answer is written, and the
 * answer is written with Node's own `writeHead`/`end`.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Cookies from "effect/http/Cookies"
import * as Headers from "effect/http/Headers"
import * as HttpEffect from "effect/http/HttpEffect"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import type * as HttpMiddleware from "effect/http/HttpMiddleware"
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Multipart from "effect/http/Multipart"
import * as UrlParams from "effect/http/UrlParams"
import * as Inspectable from "effect/Inspectable"
import * as NetAddress from "effect/net/NetAddress"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"

const parseError = (request: HttpServerRequest.HttpServerRequest, cause: unknown, description?: string) =>
  new HttpServerError.HttpServerError({
    reason: new HttpServerError.RequestParseError({
      request,
      cause,
      ...(description === undefined ? {} : { description })
    })
  })

class NodeServerRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId] = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId] = HttpIncomingMessage.TypeId

  constructor(
    readonly source: Http.IncomingMessage,
    readonly response: Http.ServerResponse,
    readonly url: string = source.url ?? "/",
    private readonly headersOverride?: Headers.Headers,
    private readonly remoteAddressOverride?: Option.Option<string>,
    private readonly peerAddressOverride?: Option.Option<string>,
    readonly protocol: "http" | "https" | undefined = undefined
  ) {
    super()
  }

  toJSON(): unknown {
    // The method and the path, as Effect's own requests render: never headers (tokens) nor the body.
    return { _id: "HttpServerRequest", method: this.method, url: UrlParams.redactUrl(this.originalUrl) }
  }

  modify(options: {
    readonly url?: string | undefined
    readonly headers?: Headers.Headers | undefined
    readonly remoteAddress?: Option.Option<string> | undefined
    readonly peerAddress?: Option.Option<string> | undefined
    readonly protocol?: "http" | "https" | undefined
  }): HttpServerRequest.HttpServerRequest {
    return new NodeServerRequest(
      this.source,
      this.response,
      options.url ?? this.url,
      options.headers ?? this.headersOverride,
      "remoteAddress" in options ? options.remoteAddress : this.remoteAddressOverride,
      options.peerAddress ?? this.peerAddressOverride,
      options.protocol ?? this.protocol
    )
  }

  get method(): string {
    return (this.source.method ?? "GET").toUpperCase()
  }
  get originalUrl(): string {
    return this.source.url ?? "/"
  }
  get remoteAddress(): Option.Option<string> {
    return this.remoteAddressOverride ?? Option.fromUndefinedOr(this.source.socket.remoteAddress)
  }
  get peerAddress(): Option.Option<string> {
    return this.peerAddressOverride ?? this.remoteAddress
  }

  private cachedHeaders: Headers.Headers | undefined
  get headers(): Headers.Headers {
    return this.headersOverride ?? (this.cachedHeaders ??= Headers.fromInput(this.source.headers))
  }

  private cachedCookies: Record<string, string> | undefined
  get cookies(): Record<string, string> {
    return this.cachedCookies ??= Cookies.parseHeader(this.headers.cookie ?? "")
  }

  get stream(): Stream.Stream<Uint8Array, HttpServerError.HttpServerError> {
    return Stream.fromAsyncIterable(this.source as AsyncIterable<Uint8Array>, (cause) => parseError(this, cause))
  }

  private cachedArrayBuffer: Effect.Effect<ArrayBuffer, HttpServerError.HttpServerError> | undefined
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.HttpServerError> {
    // A body can be read once from Node: the first read is kept for the others.
    return this.cachedArrayBuffer ??= Effect.runSync(Effect.cached(
      Effect.map(Stream.runCollect(this.stream), (chunks) => {
        const bytes = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)))
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      })
    ))
  }
  get text(): Effect.Effect<string, HttpServerError.HttpServerError> {
    return Effect.map(this.arrayBuffer, (buffer) => new TextDecoder().decode(buffer))
  }
  get json(): Effect.Effect<Schema.Json, HttpServerError.HttpServerError> {
    return Effect.flatMap(
      this.text,
      (text) => Effect.try({ try: () => JSON.parse(text) as Schema.Json, catch: (cause) => parseError(this, cause) })
    )
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpServerError.HttpServerError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  // This server reads no multipart bodies and upgrades no connections.
  get multipart(): Effect.Effect<Multipart.Persisted, Multipart.MultipartError> {
    return Effect.fail(Multipart.MultipartError.fromReason("InternalError", "multipart bodies are not supported"))
  }
  get multipartStream(): Stream.Stream<Multipart.Part, Multipart.MultipartError> {
    return Stream.fail(Multipart.MultipartError.fromReason("InternalError", "multipart bodies are not supported"))
  }
  get upgrade(): Effect.Effect<never, HttpServerError.HttpServerError> {
    return this.upgradeWith({})
  }
  upgradeWith(_options: { readonly headers?: Headers.Input | undefined }) {
    return Effect.fail(parseError(this, undefined, "upgrades are not supported"))
  }
}

/**
 * Node's request under an `HttpServerRequest` this adapter made.
 *
 * @internal
 */
export const toIncomingMessage = (request: HttpServerRequest.HttpServerRequest): Http.IncomingMessage =>
  (request as NodeServerRequest).source

/**
 * Node's response for an `HttpServerRequest` this adapter made.
 *
 * @internal
 */
export const toServerResponse = (request: HttpServerRequest.HttpServerRequest): Http.ServerResponse =>
  (request as NodeServerRequest).response

const writeResponse = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const node = toServerResponse(request)
    // Gone already (a client abort): nothing is left to answer.
    if (node.writableEnded || node.destroyed) return resume(Effect.void)
    let headers: Record<string, string | Array<string>> = response.headers
    if (!Cookies.isEmpty(response.cookies)) {
      headers = { ...headers, "set-cookie": Cookies.toSetCookieHeaders(response.cookies) }
    }
    const body = response.body
    node.writeHead(response.status, headers)
    // Sent, or its connection closed before it could be: Node calls `end`'s callback only in the first case.
    let resumed = false
    const done = () => {
      if (resumed) return
      resumed = true
      node.off("close", done)
      resume(Effect.void)
    }
    node.once("close", done)
    if (request.method === "HEAD") return void node.end(done)
    switch (body._tag) {
      case "Uint8Array":
        return void node.end(body.body, done)
      case "Raw":
        return void node.end(
          typeof body.body === "string" || body.body instanceof Uint8Array ? body.body : undefined,
          done
        )
      default:
        // The app answers with bytes only; an empty or streamed body ends the response as it is.
        return void node.end(done)
    }
  })

/**
 * Listens on `options` and serves with the fibers of the scope's context; the server closes with the scope.
 *
 * @internal
 */
export const make = (
  server: Http.Server,
  options: { readonly port: number; readonly host: string }
): Effect.Effect<HttpServer.HttpServer["Service"], HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    yield* Effect.acquireRelease(
      Effect.callback<void, HttpServerError.ServeError>((resume) => {
        const onError = (cause: Error) => resume(Effect.fail(new HttpServerError.ServeError({ cause })))
        server.once("error", onError)
        server.listen(options.port, options.host, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.callback<void>((resume) => {
          if (!server.listening) return resume(Effect.void)
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    return HttpServer.make({
      // Listening on a host and port: Node answers with the bound address.
      address: NetAddress.inetAddressFromNativeUnsafe(
        typeof address === "object" && address !== null ? address.address : options.host,
        typeof address === "object" && address !== null ? address.port : options.port
      ),
      serve: (
        app: Effect.Effect<
          HttpServerResponse.HttpServerResponse,
          unknown,
          HttpServerRequest.HttpServerRequest | Scope.Scope
        >,
        middleware?: HttpMiddleware.HttpMiddleware
      ) =>
        Effect.gen(function*() {
          const handled = HttpEffect.toHandled(app, writeResponse, middleware)
          const context = yield* Effect.context<never>()
          const handler = (incoming: Http.IncomingMessage, outgoing: Http.ServerResponse) => {
            const request = new NodeServerRequest(incoming, outgoing)
            const fiber = Effect.runForkWith(Context.add(context, HttpServerRequest.HttpServerRequest, request))(
              handled
            )
            // The client went away before its answer: its call is interrupted, as a client abort.
            outgoing.once("close", () => {
              if (!outgoing.writableEnded) fiber.interruptUnsafe(undefined, HttpServerError.ClientAbort.annotation)
            })
          }
          server.on("request", handler)
          yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", handler)))
        })
    })
  })
