/**
 * E) Memory: bytes per cached entry at 10,000 entries, and heap growth under churn (as core's memory test). Heap
 * figures are `process.memoryUsage().heapUsed` after two forced full collections.
 */
import type { SecretValue } from "@effect-secrets/core"
import { SecretsService, SecretStore } from "@effect-secrets/core"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { progress } from "./report.js"

export const ENTRIES = 10_000
const CHURN_KEYS = 10_000
const CHURN_READERS = 100
const CHURN_CAPACITY = 1_024

export interface MemoryResult {
  readonly entries: number
  /** Heap held by the 10,000 `SecretValue`s alone, in a plain array. */
  readonly secretBytes: number
  /** The same, estimated: UTF-16, 2 bytes per character of the value and the metadata strings. */
  readonly secretUtf16Bytes: number
  /** Heap added by loading them into one `SecretsService` (the values themselves already counted above). */
  readonly serviceBytes: number
  readonly size: number
  readonly evictions: number
  readonly churn: { readonly loads: number; readonly grown: number; readonly capacity: number }
}

const heap = (() => {
  v8.setFlagsFromString("--expose_gc")
  const gc = vm.runInNewContext("gc") as () => void
  return () => {
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
})()

// A realistic secret: a database credential as JSON, with its ARN, version id and stages. Every string distinct.
const secretOf = (i: number): SecretValue => {
  const name = `prod/service-${i}/database`
  return {
    secretId: name,
    name,
    arn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-${(i * 7_919).toString(36).padStart(6, "0")}`,
    versionId: `${(0x10000000 + i).toString(16)}-1c2d-4e5f-8a9b-${(1e11 + i).toString(16).padStart(12, "0")}`,
    versionStages: ["AWSCURRENT"],
    createdDate: new Date(1.7e12 + i),
    kind: "string",
    value: Redacted.make(JSON.stringify({
      username: `app_${i}`,
      password: `p${(i * 2_654_435_761 % 4_294_967_296).toString(36)}-${(i * 40_503).toString(36)}-Zq9`,
      host: `db-${i}.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com`,
      port: 5432
    }))
  }
}

const utf16Bytes = (secret: SecretValue): number => {
  const strings = [
    secret.secretId,
    secret.name,
    secret.arn,
    secret.versionId,
    ...secret.versionStages,
    secret.kind === "string" ? Redacted.value(secret.value) : ""
  ]
  return strings.reduce((sum, s) => sum + 2 * s.length, 0)
}

// Churn, as packages/core/test/memory.test.ts: a store that answers every id after three scheduler turns, and 100
// readers each walking the keys with its own stride, so nearly every read misses, loads, and loads overlap.
const churn = async () => {
  const slowStore = Layer.succeed(
    SecretStore,
    SecretStore.of({
      fetch: (request) =>
        Effect.as(
          Effect.zipRight(Effect.yieldNow(), Effect.zipRight(Effect.yieldNow(), Effect.yieldNow())),
          {
            secretId: request.secretId,
            name: request.secretId,
            arn: "",
            versionId: "v1",
            versionStages: ["AWSCURRENT"],
            kind: "string",
            value: Redacted.make(`value of ${request.secretId}`)
          } satisfies SecretValue
        )
    })
  )
  const runtime = ManagedRuntime.make(
    SecretsService.layer({ capacity: CHURN_CAPACITY }).pipe(Layer.provide(slowStore))
  )
  const secrets = await runtime.runPromise(SecretsService)
  let round = 0
  const walk = (reads: number) => {
    const start = round
    round += reads
    return Effect.forEach(Array.from({ length: CHURN_READERS }, (_, r) => r), (r) =>
      Effect.gen(function*() {
        for (let i = start; i < start + reads; i++) {
          yield* Effect.ignore(secrets.get(`churn/${(r * 7919 + i * 104_729) % CHURN_KEYS}`))
        }
      }), { concurrency: "unbounded", discard: true })
  }
  await runtime.runPromise(walk(100)) // warm up: the cache fills to capacity
  const before = heap()
  const loadsBefore = (await runtime.runPromise(secrets.stats)).loads
  await runtime.runPromise(walk(300))
  const loads = (await runtime.runPromise(secrets.stats)).loads - loadsBefore
  const grown = heap() - before
  await runtime.dispose()
  return { loads, grown, capacity: CHURN_CAPACITY }
}

export const memory = async (): Promise<MemoryResult> => {
  progress(`memory: ${ENTRIES} entries in one SecretsService`)
  const empty = heap()
  const secrets = Array.from({ length: ENTRIES }, (_, i) => secretOf(i))
  const withSecrets = heap()
  const secretUtf16Bytes = secrets.reduce((sum, s) => sum + utf16Bytes(s), 0) / ENTRIES

  // The store hands out the very objects above, so the service's figure is its own bookkeeping only.
  const byId = new Map(secrets.map((s) => [s.secretId, s]))
  const store = Layer.succeed(
    SecretStore,
    SecretStore.of({ fetch: (request) => Effect.succeed(byId.get(request.secretId)!) })
  )
  const runtime = ManagedRuntime.make(SecretsService.layer({ capacity: ENTRIES }).pipe(Layer.provide(store)))
  const service = await runtime.runPromise(SecretsService)
  // Warm the code paths on one key, then drop it, so compiled code and one-off tables are in the baseline.
  await runtime.runPromise(Effect.zipRight(service.get(secrets[0]!.secretId), service.invalidateAll))
  const before = heap()
  await runtime.runPromise(Effect.forEach(secrets, (s) => service.get(s.secretId), { discard: true }))
  const after = heap()
  const stats = await runtime.runPromise(service.stats)
  await runtime.dispose()
  const result = {
    entries: ENTRIES,
    secretBytes: (withSecrets - empty) / ENTRIES,
    secretUtf16Bytes,
    serviceBytes: (after - before) / ENTRIES,
    size: stats.size,
    evictions: stats.evictions
  }
  // Keep the secrets alive until every figure is taken.
  if (secrets.length !== byId.size) throw new Error("duplicate secret ids")

  progress(`memory: churn, ${CHURN_READERS} readers over ${CHURN_KEYS} keys at capacity ${CHURN_CAPACITY}`)
  return { ...result, churn: await churn() }
}
