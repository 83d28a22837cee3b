/**
 * Request bodies, read up to a limit. A body declared larger than the limit is refused before a byte of it is read;
 * one that grows past it (chunked) is refused as soon as it does. Either way nothing past the limit is ever held:
 * the rest is drained and dropped, so the client can still read the answer, and the connection closes after it.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import * as Errors from "./errors.js"
import * as Node from "./node.js"

const tooLarge = (maxBytes: number) =>
  Errors.requestTooLarge(`The request body exceeds the limit of ${maxBytes} bytes.`)

/**
 * The body as UTF-8 text, or `RequestEntityTooLargeException` (413) past `maxBytes`. A body that cannot be read
 * (the client went away) reads as empty: there is nobody left to answer.
 *
 * @internal
 */
export const readText = (
  maxBytes: number
): Effect.Effect<string, SecretsManagerError, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const declared = request.headers["content-length"]
    if (declared !== undefined && !(Number(declared) <= maxBytes)) return Effect.fail(tooLarge(maxBytes))
    const incoming = Node.toIncomingMessage(request)
    if (incoming.readableEnded) return Effect.succeed("")
    return Effect.callback<string, SecretsManagerError>((resume) => {
      const chunks: Array<Buffer> = []
      let bytes = 0
      const stop = () => {
        incoming.off("data", onData)
        incoming.off("end", onEnd)
        incoming.off("error", onError)
      }
      const onData = (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > maxBytes) {
          stop()
          chunks.length = 0
          // Drained, never held: the client can finish sending and read the 413.
          incoming.resume()
          resume(Effect.fail(tooLarge(maxBytes)))
          return
        }
        chunks.push(chunk)
      }
      const onEnd = () => {
        stop()
        resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
      }
      const onError = () => {
        stop()
        resume(Effect.succeed(""))
      }
      incoming.on("data", onData)
      incoming.once("end", onEnd)
      incoming.once("error", onError)
      return Effect.sync(stop)
    })
  })

/**
 * Marks an answer to a refused body so the connection closes once it is sent: the rest of that body is never read
 * as a next request.
 *
 * @internal
 */
export const closing = (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.setHeader(response, "connection", "close")

/** @internal */
export const isTooLarge = (error: SecretsManagerError): boolean => error.status === 413
