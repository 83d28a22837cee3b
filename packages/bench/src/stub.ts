/**
 * A tiny Secrets Manager on loopback: answers `GetSecretValue` of the JSON 1.1 protocol for any secret id, with an
 * optional artificial delay, and counts the requests it receives per secret id.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export interface Stub {
  readonly endpoint: string
  /** Requests received for a secret id (counted on arrival, before the delay). */
  readonly requests: (secretId: string) => number
  readonly totalRequests: () => number
  /** Delay every answer by this many milliseconds from now on. */
  readonly setDelay: (millis: number) => void
  readonly close: () => Promise<void>
}

export const secretStringOf = (secretId: string): string =>
  JSON.stringify({ user: "bench", password: `pw-${secretId}` })

export const startStub = (): Promise<Stub> => {
  const counts = new Map<string, number>()
  let total = 0
  let delay = 0

  const answer = (res: http.ServerResponse, status: number, body: unknown) => {
    const payload = JSON.stringify(body)
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(payload),
      "x-amzn-requestid": "00000000-0000-4000-8000-000000000000"
    })
    res.end(payload)
  }

  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      total++
      if (req.method !== "POST" || req.url !== "/" || req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
        answer(res, 400, { __type: "UnknownOperationException", message: "the stub only knows GetSecretValue" })
        return
      }
      let secretId = ""
      try {
        const input: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"))
        if (typeof input === "object" && input !== null && "SecretId" in input && typeof input.SecretId === "string") {
          secretId = input.SecretId
        }
      } catch {
        // answered below
      }
      if (secretId === "") {
        answer(res, 400, { __type: "InvalidParameterException", message: "SecretId is required" })
        return
      }
      counts.set(secretId, (counts.get(secretId) ?? 0) + 1)
      const body = {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`,
        Name: secretId,
        VersionId: "7f4e2d1c-0000-4000-8000-000000000001",
        SecretString: secretStringOf(secretId),
        VersionStages: ["AWSCURRENT"],
        CreatedDate: 1.7e9
      }
      if (delay > 0) setTimeout(() => answer(res, 200, body), delay)
      else answer(res, 200, body)
    })
  })
  // Thousands of queued keep-alive requests must never be cut off by the server's own timers.
  server.keepAliveTimeout = 60_000
  server.requestTimeout = 0

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        requests: (secretId) => counts.get(secretId) ?? 0,
        totalRequests: () => total,
        setDelay: (millis) => {
          delay = millis
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })
}
