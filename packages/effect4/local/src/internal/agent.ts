/**
 * The route of the AWS Secrets Manager Agent (and of the AWS Parameters and Secrets Lambda Extension):
 * `GET /secretsmanager/get?secretId=...&versionId=...&versionStage=...` with the SSRF token in
 * `X-Aws-Parameters-Secrets-Token` (or `X-Vault-Token`), answered as the agent answers
 * (aws/aws-secretsmanager-agent, `server.rs`, `parse.rs`, `cache_manager.rs`):
 *
 * - 200 with the GetSecretValue output as JSON, `CreatedDate` as a string of epoch seconds, `SecretBinary` base64;
 * - 400 `Forwarded` when `X-Forwarded-For` is set, 403 `Bad Token` without the right token, 405 for other methods,
 *   400 for a missing `secretId` or an unknown parameter (plain text bodies);
 * - a Secrets Manager error with Secrets Manager's own status and `{"__type": ..., "message": ...}`.
 *
 * Calls are counted as `AgentGet`, before anything can fail; the faults of the read operations apply.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { SecretsManagerError } from "../SecretsManagerError.js"
import type { Calls } from "./calls.js"
import * as Errors from "./errors.js"
import * as Operations from "./operations.js"
import type { State } from "./state.js"

/** @internal */
export const operation = "AgentGet"

/** @internal */
export interface Deps {
  readonly state: State
  readonly calls: Calls
  /** The token requests must carry; `undefined` accepts any non-empty token. */
  readonly token: string | undefined
  /** Sleeps the latency, then hangs or fails as the faults decide for a call naming these ids. */
  readonly applyFaults: (
    ids: ReadonlyArray<string>
  ) => Effect.Effect<void, SecretsManagerError, HttpServerRequest.HttpServerRequest>
}

const tokenHeaders = ["x-aws-parameters-secrets-token", "x-vault-token"] as const

const plain = (status: number, body: string) => HttpServerResponse.text(body, { status })

// The agent's error body: Secrets Manager's error name and message, or `InternalFailure` alone for a failure of its own.
const failure = (error: SecretsManagerError) =>
  HttpServerResponse.text(
    JSON.stringify(
      error.message === "" ? { __type: "InternalFailure" } : { __type: error.code, message: error.message }
    ),
    { status: error.status, contentType: "application/json" }
  )

const parameters = new Set(["secretId", "versionId", "versionStage", "refreshNow"])

/** @internal */
export const route = (deps: Deps) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://localhost")
    const secretId = url.searchParams.get("secretId") ?? ""
    yield* deps.calls.record(operation, secretId === "" ? [] : [secretId])

    if (request.headers["x-forwarded-for"] !== undefined) return plain(400, "Forwarded")
    const tokens = tokenHeaders.flatMap((name) => {
      const value = request.headers[name]
      return value === undefined || value === "" ? [] : [value]
    })
    const accepted = deps.token === undefined ? tokens.length > 0 : tokens.includes(deps.token)
    if (!accepted) return plain(403, "Bad Token")
    if (request.method !== "GET") return plain(405, "Not allowed")

    for (const [name, value] of url.searchParams) {
      if (!parameters.has(name)) return plain(400, `unknown parameter: ${name}`)
      if (name === "refreshNow" && !["true", "1", "false", "0"].includes(value.toLowerCase())) {
        return plain(400, "invalid refreshNow value")
      }
    }
    if (secretId === "") return plain(400, "missing parameter secretId")

    yield* deps.applyFaults([secretId])
    // GetSecretValue itself, so validation and errors are the API's; the agent forwards them as they are.
    const output = (yield* Operations.run(deps.state, "GetSecretValue", {
      SecretId: secretId,
      VersionId: url.searchParams.get("versionId") ?? undefined,
      VersionStage: url.searchParams.get("versionStage") ?? undefined
    })) as Record<string, unknown>
    const body = { ...output, CreatedDate: output.CreatedDate === undefined ? null : String(output.CreatedDate) }
    return HttpServerResponse.text(JSON.stringify(body), { status: 200, contentType: "application/json" })
  }).pipe(
    Effect.catch((error: SecretsManagerError) => Effect.succeed(failure(error))),
    Effect.catchDefect(() => Effect.succeed(failure(Errors.internalServiceError(""))))
  )
