/**
 * The Node server under the app, with bounded connections: each must send its headers within `headersTimeout` and
 * its whole request within `requestTimeout`, an idle keep-alive one closes after `keepAliveTimeout`, and at most
 * `maxConnections` are open at once. A connection past the cap does not wait for a slot: it takes the one of the
 * oldest connection without a request in progress (one still trickling its headers first, then an idle keep-alive
 * one), so slow or idle clients cannot lock out a working one. Only when every connection has a request in progress
 * is the new one refused.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Http from "node:http"
import type * as Net from "node:net"
import type { Limits } from "./limits.js"

interface Connection {
  /** Requests in progress: received, not yet answered. */
  inProgress: number
  /** Requests received so far: a connection that has none yet is the first to go. */
  received: number
}

/** @internal */
export interface Connections {
  readonly server: Http.Server
  /** Destroys every connection without a request in progress, so closing the server does not wait for them. */
  readonly closeIdle: () => void
}

/** @internal */
export const make = (limits: Limits): Connections => {
  const headersTimeout = Duration.toMillis(limits.headersTimeout)
  const requestTimeout = Duration.toMillis(limits.requestTimeout)
  const server = Http.createServer({
    headersTimeout,
    requestTimeout,
    // How often Node looks for connections past those timeouts; its default (30 s) would triple them.
    connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(headersTimeout / 4)))
  })
  server.keepAliveTimeout = Duration.toMillis(limits.keepAliveTimeout)

  // In the order they were accepted: the first found is the oldest.
  const open = new Map<Net.Socket, Connection>()

  const victim = (): Net.Socket | undefined => {
    let idle: Net.Socket | undefined
    for (const [socket, connection] of open) {
      if (connection.inProgress > 0) continue
      if (connection.received === 0) return socket
      idle ??= socket
    }
    return idle
  }

  server.on("connection", (socket: Net.Socket) => {
    if (open.size >= limits.maxConnections) {
      const evicted = victim()
      if (evicted === undefined) {
        socket.destroy()
        return
      }
      open.delete(evicted)
      evicted.destroy()
    }
    open.set(socket, { inProgress: 0, received: 0 })
    socket.once("close", () => open.delete(socket))
  })

  server.on("request", (request: Http.IncomingMessage, response: Http.ServerResponse) => {
    const connection = open.get(request.socket)
    if (connection === undefined) return
    connection.received++
    connection.inProgress++
    response.once("close", () => connection.inProgress--)
  })

  const closeIdle = () => {
    for (const [socket, connection] of open) if (connection.inProgress === 0) socket.destroy()
  }

  return { server, closeIdle }
}
