/**
 * The HTTP app: the Secrets Manager endpoint on `POST /`, the agent's `GET /secretsmanager/get`, and the admin routes
 * under `/_local/`. Every call is counted before anything can fail; faults are applied to the operations that read
 * secret values.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Http from "node:http"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import * as Agent from "./agent.js"
import * as Body from "./body.js"
import type { Calls } from "./calls.js"
import * as Errors from "./errors.js"
import type { Faults } from "./faults.js"
import * as Guard from "./guard.js"
import type { Limits } from "./limits.js"
import { maxAdminRequestBytes } from "./limits.js"
import * as Node from "./node.js"
import * as Operations from "./operations.js"
import * as Protocol from "./protocol.js"
import type { State } from "./state.js"

/** @internal */
export interface Deps {
  readonly state: State
  readonly faults: Faults
  readonly calls: Calls
  /** The responses of hung calls, so shutting down can end them. */
  readonly hung: Hung
  /** The SSRF token the agent route requires; `undefined` accepts any non-empty token. */
  readonly agentToken: string | undefined
  /** Host names answered besides the loopback ones. */
  readonly allowedHosts: ReadonlyArray<string>
  readonly limits: Limits
}

/**
 * The hung calls of one server. Once it shuts down, a call that reaches its hang after that (it was counted, and so
 * awaited, just before) is ended at once: nothing would end it later, and the server would wait for it forever.
 *
 * @internal
 */
export interface Hung {
  readonly responses: Set<Http.ServerResponse>
  closed: boolean
}

/** @internal */
export const makeHung = (): Hung => ({ responses: new Set(), closed: false })

/**
 * Ends every hung call, and those to come.
 *
 * @internal
 */
export const closeHung = (hung: Hung): void => {
  hung.closed = true
  for (const response of hung.responses) response.destroy()
}

/**
 * The ids a call names and, for those naming an existing secret, its name and ARN, so a fault set on a name also
 * applies to a call by ARN.
 */
const namesOf = (deps: Deps, ids: ReadonlyArray<string>): ReadonlyArray<string> =>
  ids.flatMap((id) => {
    const secret = deps.state.resolve(id)
    return secret === undefined ? [id] : [id, secret.name, secret.arn]
  })

/**
 * Never answers. The call ends when the client goes away (the platform interrupts this fiber when the connection
 * closes) or when the server shuts down (which destroys the connections registered in `hung`).
 */
const hang = (deps: Deps) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const response = Node.toServerResponse(request)
    return Effect.acquireUseRelease(
      Effect.sync(() => {
        if (deps.hung.closed) response.destroy()
        else deps.hung.responses.add(response)
      }),
      () => Effect.interruptible(Effect.never),
      () => Effect.sync(() => deps.hung.responses.delete(response))
    )
  })

/** The faults for a call that reads secrets: the latency first, then a hang or a failure, or nothing. */
const applyFaults = (deps: Deps, ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const verdict = yield* deps.faults.decide(namesOf(deps, ids))
    if (Duration.isGreaterThan(verdict.latency, Duration.zero)) yield* Effect.sleep(verdict.latency)
    switch (verdict.decision._tag) {
      case "Hang":
        return yield* hang(deps)
      case "Fail":
        return yield* verdict.decision.error
      case "Proceed":
        return
    }
  })

const api = (deps: Deps) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const target = request.headers["x-amz-target"]
    const operation = Protocol.operationOf(target)
    const text = yield* Effect.result(Body.readText(deps.limits.maxRequestBytes))
    if (Result.isFailure(text)) {
      yield* deps.calls.record(operation ?? "Unknown", [])
      return Body.closing(Protocol.failure(text.failure))
    }
    const body = yield* Effect.result(Protocol.parseBody(text.success))
    const ids = Result.isSuccess(body) ? Operations.secretIdsOf(body.success) : []
    yield* deps.calls.record(operation ?? "Unknown", ids)
    if (operation === undefined) {
      return yield* Errors.unknownOperation("The X-Amz-Target header does not name a Secrets Manager operation.")
    }
    if (Result.isFailure(body)) return yield* body.failure
    if (Operations.readOperations.has(operation)) yield* applyFaults(deps, ids)
    return Protocol.success(yield* Operations.run(deps.state, operation, body.success))
  }).pipe(
    Effect.catch((error: SecretsManagerError) => Effect.succeed(Protocol.failure(error))),
    // A bug must not leak request details either: answer with AWS's generic server error.
    Effect.catchDefect(() =>
      Effect.succeed(Protocol.failure(Errors.internalServiceError("An error occurred on the server side.")))
    )
  )

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const FaultsRequest = Schema.Struct({
  secretId: Schema.optional(Schema.String.check(Schema.isMaxLength(2048))),
  latencyMillis: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))),
  throttle: Schema.optional(Schema.Struct({
    next: Schema.optional(Count),
    fraction: Schema.optional(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
  })),
  serverError: Schema.optional(Schema.Struct({ next: Count })),
  hang: Schema.optional(Schema.Struct({ next: Count })),
  error: Schema.optional(Schema.Struct({
    code: Schema.Literals(Object.keys(Errors.injectable) as Array<keyof typeof Errors.injectable>),
    next: Count,
    message: Schema.optional(Schema.String.check(Schema.isMaxLength(2048)))
  }))
})

const decodeFaultsRequest = Schema.decodeUnknownEffect(FaultsRequest, { onExcessProperty: "error" })

const adminJson = (status: number, body: unknown) => HttpServerResponse.jsonUnsafe(body, { status })

const setFaults = (deps: Deps) =>
  Effect.gen(function*() {
    const text = yield* Effect.result(Body.readText(maxAdminRequestBytes))
    if (Result.isFailure(text)) return Body.closing(Protocol.failure(text.failure))
    const parsed = yield* Effect.result(
      Effect.flatMap(
        Protocol.parseBody(text.success),
        (body) => decodeFaultsRequest(body)
      )
    )
    if (Result.isFailure(parsed)) {
      return adminJson(400, {
        message:
          "Expected {secretId?, latencyMillis?, throttle?: {next?, fraction?}, serverError?: {next}, hang?: {next}, error?: {code, next, message?}}"
      })
    }
    const { error, hang, latencyMillis, secretId, serverError, throttle } = parsed.success
    if (!deps.faults.canTarget(secretId, deps.limits.maxFaultTargets)) {
      return Protocol.failure(
        Errors.limitExceeded(`At most ${deps.limits.maxFaultTargets} secrets can have fault rules; clear them first.`)
      )
    }
    if (latencyMillis !== undefined) yield* deps.faults.setLatency(Duration.millis(latencyMillis), secretId)
    if (throttle !== undefined) yield* deps.faults.throttle(throttle, secretId)
    if (serverError !== undefined) yield* deps.faults.serverError(serverError.next, secretId)
    if (hang !== undefined) yield* deps.faults.hang(hang.next, secretId)
    if (error !== undefined) yield* deps.faults.fail(error.code, error.next, error.message, secretId)
    return adminJson(200, {})
  })

const getCalls = (deps: Deps) =>
  Effect.gen(function*() {
    const params = yield* HttpServerRequest.ParsedSearchParams
    const param = (name: string) => {
      const value = params[name]
      return typeof value === "string" ? value : undefined
    }
    return adminJson(200, yield* deps.calls.snapshot(param("operation"), param("secretId")))
  })

// Answers hold secret values: no cache keeps them, and no browser reads one as anything but what it is.
const securityHeaders = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff"
}

const isRouteNotFound = (error: unknown): boolean =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

const routes = (deps: Deps) =>
  Effect.gen(function*() {
    const router = yield* HttpRouter.make
    yield* router.add("POST", "/", api(deps))
    yield* router.add(
      "*",
      "/secretsmanager/get",
      Agent.route({
        state: deps.state,
        calls: deps.calls,
        token: deps.agentToken,
        applyFaults: (ids) => applyFaults(deps, ids)
      })
    )
    yield* router.add("POST", "/_local/faults", setFaults(deps))
    yield* router.add("DELETE", "/_local/faults", Effect.as(deps.faults.clear, adminJson(200, {})))
    yield* router.add("GET", "/_local/calls", getCalls(deps))
    yield* router.add("DELETE", "/_local/calls", Effect.as(deps.calls.reset, adminJson(200, {})))
    return router.asHttpEffect().pipe(
      Effect.catch((error) =>
        isRouteNotFound(error) ? Effect.succeed(adminJson(404, { message: "Not found" })) : Effect.fail(error)
      )
    )
  })

/**
 * The whole app, behind the check of `Host` and `Origin`.
 *
 * @internal
 */
export const app = (deps: Deps) =>
  Effect.map(routes(deps), (routed) =>
    Guard.guard({ allowedHosts: deps.allowedHosts }, Protocol.failure, routed).pipe(
      Effect.map(HttpServerResponse.setHeaders(securityHeaders))
    ))
