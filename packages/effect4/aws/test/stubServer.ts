// A loopback HTTP server that answers what a test says, for the answers the local endpoint cannot give (garbled
// bodies, endless pages, any AWS error name): on 127.0.0.1, port 0, closed with the test's scope (hung requests
// included), and counting the calls it receives.
import { Effect } from "effect"
import type { Scope } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface StubRequest {
  /** `GetSecretValue`, `BatchGetSecretValue` (from `X-Amz-Target`), or `AgentGet` for the agent route. */
  readonly operation: string
  /** The JSON body of an SDK call; the query parameters of an agent call. */
  readonly input: Record<string, unknown>
  /** How many calls of this operation came before this one. */
  readonly index: number
}

export type StubAnswer =
  | { readonly status: number; readonly body: string }
  | "hang"

export interface Stub {
  readonly url: string
  readonly calls: (operation?: string) => number
  /** Settings for the SDK's client: this server, a region, placeholder credentials. */
  readonly clientConfig: {
    readonly endpoint: string
    readonly region: string
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  }
}

export const json = (status: number, body: unknown): StubAnswer => ({ status, body: JSON.stringify(body) })

export const awsError = (name: string, status: number, message = `an error named ${name}`): StubAnswer =>
  json(status, { __type: name, message })

export const stubServer = (answer: (request: StubRequest) => StubAnswer): Effect.Effect<Stub, never, Scope.Scope> =>
  Effect.gen(function*() {
    const counts = new Map<string, number>()
    const server = yield* Effect.acquireRelease(
      Effect.callback<Http.Server>((resume) => {
        const server = Http.createServer((request, response) => {
          const chunks: Array<Buffer> = []
          request.on("data", (chunk: Buffer) => chunks.push(chunk))
          request.on("end", () => {
            const url = new URL(request.url ?? "/", "http://127.0.0.1")
            const target = request.headers["x-amz-target"]
            const operation = typeof target === "string"
              ? target.split(".").pop() ?? ""
              : url.pathname === "/secretsmanager/get"
              ? "AgentGet"
              : `${request.method} ${url.pathname}`
            let input: Record<string, unknown> = Object.fromEntries(url.searchParams)
            try {
              if (typeof target === "string") input = JSON.parse(Buffer.concat(chunks).toString("utf8"))
            } catch {
              input = {}
            }
            const index = counts.get(operation) ?? 0
            counts.set(operation, index + 1)
            const reply = answer({ operation, input, index })
            // A hung request stays open until the client aborts it or the scope closes the server.
            if (reply === "hang") return
            response.writeHead(reply.status, { "content-type": "application/x-amz-json-1.1" })
            response.end(reply.body)
          })
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {
      url,
      calls: (operation?: string) =>
        operation === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : counts.get(operation) ?? 0,
      clientConfig: {
        endpoint: url,
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" }
      }
    }
  })
