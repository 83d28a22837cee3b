/**
 * The bounds on everything a client can make the server hold: request bodies, connections and their timeouts, the
 * call log, fault rules, and the secrets themselves. AWS's own quota where AWS has one; otherwise a bound far above
 * what a test or a developer needs and far below what hurts a developer's machine.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { LocalSecretsManager } from "../LocalSecretsManager.js"

/** @internal */
export interface Limits {
  readonly maxRequestBytes: number
  readonly maxConnections: number
  readonly headersTimeout: Duration.Duration
  readonly requestTimeout: Duration.Duration
  readonly keepAliveTimeout: Duration.Duration
  readonly maxTrackedSecretIds: number
  readonly maxFaultTargets: number
  readonly maxStoredBytes: number
  readonly maxVersionsPerSecret: number
}

/**
 * The bounds as a caller gives them: `LocalSecretsManager.Limits`, declared once in the public module.
 *
 * @internal
 */
export type Input = LocalSecretsManager.Limits

/**
 * AWS's quota for one secret value, `SecretString` or `SecretBinary`.
 *
 * @internal
 */
export const maxSecretValueBytes = 65_536

/**
 * The admin routes take a few hundred bytes of JSON; more is a mistake or an attack.
 *
 * @internal
 */
export const maxAdminRequestBytes = 16 * 1024

/** @internal */
export const defaults: Limits = {
  // The largest request AWS accepts (CreateSecret: a 65,536-character SecretString, a 2,048-character Description
  // and 50 tags) is about 0.55 MB even with every character JSON-escaped as \uXXXX: 1 MiB covers it with headroom.
  maxRequestBytes: 1024 * 1024,
  // Below the 256 open files macOS allows a process by default; the SDK opens at most 50 sockets per client.
  maxConnections: 256,
  // Loopback clients send their headers in one write and a body of at most 1 MiB in well under a second.
  headersTimeout: Duration.seconds(10),
  requestTimeout: Duration.seconds(30),
  // Node's own default, stated so it stays below the SDK's idle socket reuse.
  keepAliveTimeout: Duration.seconds(5),
  maxTrackedSecretIds: 4096,
  maxFaultTargets: 1000,
  // About a thousand secrets at AWS's largest value size, or any number of small ones up to that.
  maxStoredBytes: 64 * 1024 * 1024,
  // AWS's quota of versions per secret.
  maxVersionsPerSecret: 100
}

const positiveInt = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`limits.${name} must be a positive integer`)
  return value
}

const positiveDuration = (
  name: string,
  value: Duration.Input | undefined,
  fallback: Duration.Duration
): Duration.Duration => {
  if (value === undefined) return fallback
  const decoded = Duration.fromInputUnsafe(value)
  if (!Duration.isFinite(decoded) || Duration.toMillis(decoded) < 1) {
    throw new RangeError(`limits.${name} must be a finite duration of at least 1 millisecond`)
  }
  return decoded
}

/**
 * The limits with the defaults filled in. Throws a `RangeError` for a value that is not a positive bound.
 *
 * @internal
 */
export const resolve = (input: Input | undefined): Limits => {
  const limits: Limits = {
    maxRequestBytes: positiveInt("maxRequestBytes", input?.maxRequestBytes, defaults.maxRequestBytes),
    maxConnections: positiveInt("maxConnections", input?.maxConnections, defaults.maxConnections),
    headersTimeout: positiveDuration("headersTimeout", input?.headersTimeout, defaults.headersTimeout),
    requestTimeout: positiveDuration("requestTimeout", input?.requestTimeout, defaults.requestTimeout),
    keepAliveTimeout: positiveDuration("keepAliveTimeout", input?.keepAliveTimeout, defaults.keepAliveTimeout),
    maxTrackedSecretIds: positiveInt("maxTrackedSecretIds", input?.maxTrackedSecretIds, defaults.maxTrackedSecretIds),
    maxFaultTargets: positiveInt("maxFaultTargets", input?.maxFaultTargets, defaults.maxFaultTargets),
    maxStoredBytes: positiveInt("maxStoredBytes", input?.maxStoredBytes, defaults.maxStoredBytes),
    maxVersionsPerSecret: positiveInt(
      "maxVersionsPerSecret",
      input?.maxVersionsPerSecret,
      defaults.maxVersionsPerSecret
    )
  }
  // Node refuses a headers timeout longer than the request timeout.
  if (Duration.isGreaterThan(limits.headersTimeout, limits.requestTimeout)) {
    throw new RangeError("limits.headersTimeout must not exceed limits.requestTimeout")
  }
  return limits
}
