/**
 * Which requests the server answers at all, before any route runs: a `Host` that names this machine's loopback
 * interface (or one of the configured `allowedHosts`), and, from a browser, an `Origin` on such a host too. A web page
 * that rebinds its own DNS name to 127.0.0.1 sends its own name as `Host`; one that calls 127.0.0.1 directly sends its
 * own `Origin`: both are refused, so no page a developer visits can read a seeded secret or set a fault.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import * as Errors from "./errors.js"

/** @internal */
export interface Options {
  /** Host names accepted besides the loopback ones, e.g. `host.docker.internal`; compared case-insensitively. */
  readonly allowedHosts: ReadonlyArray<string>
}

// Only the characters a host name, an IPv4 address or a bracketed IPv6 address (with a port) can hold.
const hostSyntax = /^[A-Za-z0-9.\-[\]:]+$/

const isLoopbackIPv4 = (hostname: string): boolean => {
  const octets = hostname.split(".")
  return octets.length === 4 && octets[0] === "127" &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
}

/**
 * The host name of a `Host` header value (`name`, `name:port`, `[v6]:port`), normalized as a URL would have it
 * (lower case, `[::1]` for every spelling of the IPv6 loopback), or `undefined` when it is not a plain host.
 */
const hostnameOf = (host: string): string | undefined => {
  if (!hostSyntax.test(host)) return undefined
  try {
    const url = new URL(`http://${host}`)
    return url.username === "" && url.password === "" && url.pathname === "/" ? url.hostname : undefined
  } catch {
    return undefined
  }
}

/**
 * The test, for a `Host` header value or the host part of an `Origin`.
 *
 * @internal
 */
export const makeHostCheck = (options: Options) => {
  const allowed = new Set(options.allowedHosts.map((host) => host.toLowerCase().replace(/\.$/, "")))
  return (host: string): boolean => {
    const hostname = hostnameOf(host)?.replace(/\.$/, "")
    if (hostname === undefined || hostname === "") return false
    return hostname === "localhost" || hostname === "[::1]" || isLoopbackIPv4(hostname) || allowed.has(hostname)
  }
}

/**
 * Why a request is refused, or `undefined` when it may go on.
 *
 * @internal
 */
export const verdict = (
  isAllowedHost: (host: string) => boolean,
  headers: { readonly host?: string | undefined; readonly origin?: string | undefined }
): SecretsManagerError | undefined => {
  // The message never repeats the header: nothing a request sends comes back to it.
  if (headers.host === undefined || !isAllowedHost(headers.host)) {
    return Errors.forbidden(
      "This endpoint answers only requests to a loopback host (localhost, 127.0.0.0/8, [::1]) or to one of its allowedHosts."
    )
  }
  if (headers.origin !== undefined) {
    let originHost: string | undefined
    try {
      const url = new URL(headers.origin)
      originHost = url.protocol === "http:" || url.protocol === "https:" ? url.host : undefined
    } catch {
      originHost = undefined
    }
    if (originHost === undefined || !isAllowedHost(originHost)) {
      return Errors.forbidden("This endpoint does not answer requests made by web pages of other origins.")
    }
  }
  return undefined
}

/**
 * Runs `app` only for a request that passes the check; answers the others with 403 in AWS's error shape.
 *
 * @internal
 */
export const guard = <E, R>(
  options: Options,
  refuse: (error: SecretsManagerError) => HttpServerResponse.HttpServerResponse,
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> => {
  const isAllowedHost = makeHostCheck(options)
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const error = verdict(isAllowedHost, { host: request.headers.host, origin: request.headers.origin })
    return error === undefined ? app : Effect.succeed(refuse(error))
  })
}
