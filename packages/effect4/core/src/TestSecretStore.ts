/**
 * An in-memory `SecretStore` for tests: rotate secrets, remove them, inject faults and latency, and count store calls.
 * Its latency sleeps on Effect's `Clock`, so `TestClock` drives it.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { SecretStoreError } from "./SecretsError.js"
import {
  SecretAccessDenied,
  SecretNotFound,
  SecretRequestRejected,
  SecretsMisconfigured,
  SecretsUnavailable
} from "./SecretsError.js"
import { SecretStore } from "./SecretStore.js"
import type { SecretRequest, SecretValue } from "./SecretValue.js"

/**
 * A fault `failNext` can inject.
 *
 * @since 0.1.0
 * @category models
 */
export type TestFailure =
  | "throttled"
  | "unavailable"
  | "credentials"
  | "accessDenied"
  | "rejected"
  | "misconfigured"
  | "defect"

/**
 * @since 0.1.0
 * @category tags
 */
export class TestSecretStore extends Context.Service<TestSecretStore, TestSecretStore.Service>()(
  "@effect-secrets/core/TestSecretStore"
) {
  /**
   * Provides both `SecretStore` and `TestSecretStore`, backed by one in-memory store seeded with `secrets`
   * (name to value; each becomes the `AWSCURRENT` version).
   *
   * @since 0.1.0
   */
  static readonly layer = (
    secrets?: Readonly<Record<string, string | Uint8Array>>
  ): Layer.Layer<TestSecretStore | SecretStore> =>
    Layer.effectContext(
      Effect.map(make(secrets), (store) => Context.make(TestSecretStore, store).pipe(Context.add(SecretStore, store)))
    )
}

/**
 * @since 0.1.0
 */
export declare namespace TestSecretStore {
  /**
   * @since 0.1.0
   * @category models
   */
  export interface Service extends SecretStore.Service {
    /**
     * Writes a new version and returns its id. It becomes `AWSCURRENT`; the version that was current becomes
     * `AWSPREVIOUS`. This is how a test rotates a secret. Creates the secret if it does not exist.
     */
    readonly put: (secretId: string, value: string | Uint8Array) => Effect.Effect<string>
    /**
     * Writes a new version staged `AWSPENDING` only (the createSecret step of a rotation) and returns its id;
     * `AWSCURRENT` stays where it is.
     */
    readonly putPending: (secretId: string, value: string | Uint8Array) => Effect.Effect<string>
    /**
     * Moves `AWSCURRENT` to the version (the finishSecret step): the version that was current becomes `AWSPREVIOUS`,
     * and the promoted one loses `AWSPENDING`.
     */
    readonly promote: (secretId: string, versionId: string) => Effect.Effect<void>
    /** Deletes the secret: later fetches fail with `SecretNotFound`. */
    readonly remove: (secretId: string) => Effect.Effect<void>
    /**
     * The next `times` fetches of the secret (default 1) fail with the given fault: `"throttled"`, `"unavailable"` and
     * `"credentials"` are `SecretsUnavailable` (transient), `"accessDenied"` is `SecretAccessDenied`, `"rejected"` is
     * `SecretRequestRejected`, `"misconfigured"` is `SecretsMisconfigured`, and `"defect"` makes the call die, as a
     * store with a bug would.
     */
    readonly failNext: (secretId: string, failure: TestFailure, times?: number) => Effect.Effect<void>
    /** Every fetch from now on takes this long, on Effect's `Clock`. */
    readonly setLatency: (latency: Duration.Input) => Effect.Effect<void>
    /**
     * Store calls made, failed ones included: for one secret (by the id it was asked for; a batch counts for each of
     * its ids), or for all (a batch counts once).
     */
    readonly fetchCount: (secretId?: string) => Effect.Effect<number>
    /** Batch calls (`fetchBatch`) made. */
    readonly batchCount: Effect.Effect<number>
    /** The next `times` batch calls (default 1) fail as a whole; `"accessDenied"` is a role without batch permission. */
    readonly failNextBatch: (failure: TestFailure, times?: number) => Effect.Effect<void>
  }
}

interface Version {
  readonly id: string
  readonly value: string | Uint8Array
  readonly createdDate: Date
  readonly stages: Set<string>
}

interface StoredSecret {
  readonly name: string
  readonly arn: string
  readonly versions: Array<Version>
}

const arnOf = (name: string): string => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`

/**
 * A fresh in-memory store. Its state belongs to the returned service alone.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  secrets?: Readonly<Record<string, string | Uint8Array>>
): Effect.Effect<TestSecretStore.Service> =>
  Effect.gen(function*() {
    const byName = new Map<string, StoredSecret>()
    const faults = new Map<string, Array<TestFailure>>()
    const batchFaults: Array<TestFailure> = []
    let batches = 0
    const counts = new Map<string, number>()
    let total = 0
    let latency = Duration.zero
    let versions = 0

    const find = (secretId: string): StoredSecret | undefined => {
      const byId = byName.get(secretId)
      if (byId !== undefined) return byId
      for (const secret of byName.values()) if (secret.arn === secretId) return secret
      return undefined
    }

    // AWSCURRENT moves to `target`; the version that had it becomes AWSPREVIOUS (as Secrets Manager moves them).
    const makeCurrent = (secret: StoredSecret, target: Version) => {
      if (target.stages.has("AWSCURRENT")) return
      for (const version of secret.versions) {
        version.stages.delete("AWSPREVIOUS")
        if (version.stages.delete("AWSCURRENT")) version.stages.add("AWSPREVIOUS")
      }
      target.stages.delete("AWSPENDING")
      target.stages.add("AWSCURRENT")
    }

    const write = (secretId: string, value: string | Uint8Array, pending: boolean) =>
      Effect.map(Clock.currentTimeMillis, (millis) => {
        const existing = find(secretId)
        const secret = existing ?? { name: secretId, arn: arnOf(secretId), versions: [] }
        if (existing === undefined) byName.set(secretId, secret)
        // Deterministic UUID-shaped version ids, so tests can predict them.
        const id = `${(++versions).toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`
        const copy = typeof value === "string" ? value : Uint8Array.from(value)
        const version: Version = { id, value: copy, createdDate: new Date(millis), stages: new Set() }
        if (pending) { for (const other of secret.versions) other.stages.delete("AWSPENDING") }
        secret.versions.push(version)
        if (pending) version.stages.add("AWSPENDING")
        else makeCurrent(secret, version)
        return id
      })
    const put = (secretId: string, value: string | Uint8Array) => write(secretId, value, false)

    const select = (request: SecretRequest): SecretValue | SecretStoreError => {
      const secret = find(request.secretId)
      if (secret === undefined) return new SecretNotFound({ secretId: request.secretId })
      const stage = request.versionStage ?? (request.versionId === undefined ? "AWSCURRENT" : undefined)
      const version = secret.versions.find((v) =>
        (request.versionId === undefined || v.id === request.versionId) &&
        (stage === undefined || v.stages.has(stage))
      )
      if (version === undefined) {
        return new SecretNotFound({
          secretId: request.secretId,
          versionId: request.versionId,
          versionStage: request.versionStage
        })
      }
      const metadata = {
        secretId: request.secretId,
        name: secret.name,
        arn: secret.arn,
        versionId: version.id,
        versionStages: Array.from(version.stages),
        createdDate: version.createdDate
      }
      return typeof version.value === "string"
        ? { ...metadata, kind: "string", value: Redacted.make(version.value) }
        : { ...metadata, kind: "binary", value: Redacted.make(Uint8Array.from(version.value)) }
    }

    // "defect" stands for a store with a bug: the call dies instead of failing.
    const fault = (secretId: string, failure: TestFailure): SecretStoreError | "defect" => {
      switch (failure) {
        case "throttled":
          return new SecretsUnavailable({ secretId, reason: "throttled" })
        case "unavailable":
          return new SecretsUnavailable({ secretId, reason: "unavailable" })
        case "credentials":
          return new SecretsUnavailable({
            secretId,
            reason: "credentials",
            detail: "injected by TestSecretStore.failNext"
          })
        case "misconfigured":
          return new SecretsMisconfigured({ secretId, reason: "injected by TestSecretStore.failNext" })
        case "accessDenied":
          return new SecretAccessDenied({ secretId, reason: "injected by TestSecretStore.failNext" })
        case "rejected":
          return new SecretRequestRejected({ secretId, reason: "injected by TestSecretStore.failNext" })
        case "defect":
          return "defect"
      }
    }

    // The answer is decided when the call starts (as a server reads the version when the request arrives) and
    // delivered after the latency.
    const answer = (request: SecretRequest): Exit.Exit<SecretValue, SecretStoreError> => {
      const key = find(request.secretId)?.name ?? request.secretId
      counts.set(request.secretId, (counts.get(request.secretId) ?? 0) + 1)
      const queued = faults.get(key)
      const injected = queued?.shift()
      if (queued !== undefined && queued.length === 0) faults.delete(key)
      const result = injected === undefined ? select(request) : fault(request.secretId, injected)
      if (result === "defect") return Exit.die(new Error("TestSecretStore: injected defect"))
      return "kind" in result ? Exit.succeed(result) : Exit.fail(result)
    }
    const afterLatency = <A, E>(exit: Exit.Exit<A, E>): Effect.Effect<A, E> =>
      Duration.toMillis(latency) > 0 ? Effect.andThen(Effect.sleep(latency), exit) : exit

    const fetch = (request: SecretRequest): Effect.Effect<SecretValue, SecretStoreError> =>
      Effect.suspend(() => {
        total++
        return afterLatency(answer(request))
      })

    const fetchBatch = (secretIds: ReadonlyArray<string>) =>
      Effect.suspend(() => {
        total++
        batches++
        const failure = batchFaults.shift()
        if (failure !== undefined) {
          const error = fault(secretIds.join(","), failure)
          return afterLatency(
            error === "defect" ? Exit.die(new Error("TestSecretStore: injected defect")) : Exit.fail(error)
          )
        }
        const answers = new Map(secretIds.map((secretId) => [secretId, answer({ secretId })] as const))
        return afterLatency(Exit.succeed(answers as ReadonlyMap<string, Exit.Exit<SecretValue, SecretStoreError>>))
      })

    for (const [name, value] of Object.entries(secrets ?? {})) yield* put(name, value)

    return {
      fetch,
      fetchBatch,
      batchSize: 20,
      put,
      putPending: (secretId, value) => write(secretId, value, true),
      promote: (secretId, versionId) =>
        Effect.sync(() => {
          const secret = find(secretId)
          const version = secret?.versions.find((v) => v.id === versionId)
          if (secret !== undefined && version !== undefined) makeCurrent(secret, version)
        }),
      remove: (secretId) =>
        Effect.sync(() => {
          const secret = find(secretId)
          if (secret !== undefined) byName.delete(secret.name)
        }),
      failNext: (secretId, failure, times = 1) =>
        Effect.sync(() => {
          const key = find(secretId)?.name ?? secretId
          const queued = faults.get(key) ?? []
          for (let i = 0; i < times; i++) queued.push(failure)
          faults.set(key, queued)
        }),
      setLatency: (input) =>
        Effect.sync(() => {
          latency = Duration.fromInputUnsafe(input)
        }),
      fetchCount: (secretId) => Effect.sync(() => secretId === undefined ? total : counts.get(secretId) ?? 0),
      batchCount: Effect.sync(() => batches),
      failNextBatch: (failure, times = 1) =>
        Effect.sync(() => {
          for (let i = 0; i < times; i++) batchFaults.push(failure)
        })
    }
  })
