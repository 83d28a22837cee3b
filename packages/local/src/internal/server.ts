/**
 * The HTTP app: the Secrets Manager endpoint on `POST /`, the agent's `GET /secretsmanager/get`, and the admin routes
 * under `/_local/`. Every call is counted before anything can fail; faults are applied to the operations that read
 * secret values.
 *
 * @internal
 */
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
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
import * as Operations from "./operations.js"
import * as Protocol from "./protocol.js"
import type { State } from "./state.js"

/** @internal */
export interface Deps {
  readonly state: State
  readonly faults: Faults
  readonly calls: Calls
  /** The responses of hung calls, so shutting down can end them. */
  readonly hung: Set<Http.ServerResponse>
  /** The SSRF token the agent route requires; `undefined` accepts any non-empty token. */
  readonly agentToken: string | undefined
  /** Host names answered besides the loopback ones. */
  readonly allowedHosts: ReadonlyArray<string>
  readonly limits: Limits
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
    const response = NodeHttpServerRequest.toServerResponse(request)
    return Effect.acquireUseRelease(
      Effect.sync(() => deps.hung.add(response)),
      () => Effect.interruptible(Effect.never),
      () => Effect.sync(() => deps.hung.delete(response))
    )
  })

/** The faults for a call that reads secrets: the latency first, then a hang or a failure, or nothing. */
const applyFaults = (deps: Deps, ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const verdict = yield* deps.faults.decide(namesOf(deps, ids))
    if (Duration.greaterThan(verdict.latency, Duration.zero)) yield* Effect.sleep(verdict.latency)
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
    const text = yield* Effect.either(Body.readText(deps.limits.maxRequestBytes))
    if (text._tag === "Left") {
      yield* deps.calls.record(operation ?? "Unknown", [])
      return Body.closing(Protocol.failure(text.left))
    }
    const body = yield* Effect.either(Protocol.parseBody(text.right))
    const ids = body._tag === "Right" ? Operations.secretIdsOf(body.right) : []
    yield* deps.calls.record(operation ?? "Unknown", ids)
    if (operation === undefined) {
      return yield* Errors.unknownOperation("The X-Amz-Target header does not name a Secrets Manager operation.")
    }
    if (body._tag === "Left") return yield* body.left
    if (Operations.readOperations.has(operation)) yield* applyFaults(deps, ids)
    return Protocol.success(yield* Operations.run(deps.state, operation, body.right))
  }).pipe(
    Effect.catchAll((error: SecretsManagerError) => Effect.succeed(Protocol.failure(error))),
    // A bug must not leak request details either: answer with AWS's generic server error.
    Effect.catchAllDefect(() =>
      Effect.succeed(Protocol.failure(Errors.internalServiceError("An error occurred on the server side.")))
    )
  )

const Count = Schema.Int.pipe(Schema.nonNegative())

const FaultsRequest = Schema.Struct({
  secretId: Schema.optional(Schema.String.pipe(Schema.maxLength(2048))),
  latencyMillis: Schema.optional(Schema.NonNegative),
  throttle: Schema.optional(Schema.Struct({
    next: Schema.optional(Count),
    fraction: Schema.optional(Schema.Number.pipe(Schema.between(0, 1)))
  })),
  serverError: Schema.optional(Schema.Struct({ next: Count })),
  hang: Schema.optional(Schema.Struct({ next: Count })),
  error: Schema.optional(Schema.Struct({
    code: Schema.Literal(...(Object.keys(Errors.injectable) as Array<keyof typeof Errors.injectable>)),
    next: Count,
    message: Schema.optional(Schema.String.pipe(Schema.maxLength(2048)))
  }))
})

const adminJson = (status: number, body: unknown) => HttpServerResponse.unsafeJson(body, { status })

const setFaults = (deps: Deps) =>
  Effect.gen(function*() {
    const text = yield* Effect.either(Body.readText(maxAdminRequestBytes))
    if (text._tag === "Left") return Body.closing(Protocol.failure(text.left))
    const parsed = yield* Effect.either(
      Effect.flatMap(
        Protocol.parseBody(text.right),
        Schema.decodeUnknown(FaultsRequest, { onExcessProperty: "error" })
      )
    )
    if (parsed._tag === "Left") {
      return adminJson(400, {
        message:
          "Expected {secretId?, latencyMillis?, throttle?: {next?, fraction?}, serverError?: {next}, hang?: {next}, error?: {code, next, message?}}"
      })
    }
    const { error, hang, latencyMillis, secretId, serverError, throttle } = parsed.right
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

const routes = (deps: Deps) =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/", api(deps)),
    HttpRouter.all(
      "/secretsmanager/get",
      Agent.route({
        state: deps.state,
        calls: deps.calls,
        token: deps.agentToken,
        applyFaults: (ids) => applyFaults(deps, ids)
      })
    ),
    HttpRouter.post("/_local/faults", setFaults(deps)),
    HttpRouter.del("/_local/faults", Effect.as(deps.faults.clear, adminJson(200, {}))),
    HttpRouter.get("/_local/calls", getCalls(deps)),
    HttpRouter.del("/_local/calls", Effect.as(deps.calls.reset, adminJson(200, {}))),
    Effect.catchTag("RouteNotFound", () => Effect.succeed(adminJson(404, { message: "Not found" })))
  )

/**
 * The whole app, behind the check of `Host` and `Origin`.
 *
 * @internal
 */
export const app = (deps: Deps) =>
  Guard.guard({ allowedHosts: deps.allowedHosts }, Protocol.failure, routes(deps)).pipe(
    Effect.map(HttpServerResponse.setHeaders(securityHeaders))
  )
