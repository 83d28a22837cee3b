/**
 * The real AWS SDK pointed at the loopback stub. The service reads through `@effect-secrets/aws`'s store over it.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager"

/** Socket-capacity warnings of the SDK's http handler, counted instead of printed. */
export const sdkWarnings = { count: 0 }

const quietLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {
    sdkWarnings.count++
  },
  error: () => {}
}

/** A client with its own keep-alive agent (the SDK default of 50 sockets), one attempt, dummy credentials. */
export const makeClient = (endpoint: string): SecretsManagerClient =>
  new SecretsManagerClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDBENCHMARK0000000", secretAccessKey: "bench-secret-access-key" },
    maxAttempts: 1,
    requestHandler: {
      httpAgent: { keepAlive: true, maxSockets: 50 },
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      logger: quietLogger
    }
  })
