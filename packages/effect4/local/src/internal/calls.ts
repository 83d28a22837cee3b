/**
 * The count of API calls received, by operation and by the secret ids named in the request. A call counts once in
 * the totals however many ids it names (BatchGetSecretValue), and once for each distinct id it names.
 *
 * Bounded whatever clients send: operations are Secrets Manager's own names (anything else is `Unknown`), and the
 * counts by secret id are kept for the `maxTrackedSecretIds` ids named most recently; an older id's counts are
 * dropped when a new one needs its place. The totals by operation are always exact.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"

interface Waiter {
  readonly atLeast: number
  readonly operation: string | undefined
  readonly secretId: string | undefined
  readonly done: Deferred.Deferred<void>
}

/**
 * Every operation of the Secrets Manager API, supported here or not, so a client's call to any of them is counted
 * by its name.
 *
 * @internal
 */
export const operationNames: ReadonlySet<string> = new Set([
  "BatchGetSecretValue",
  "CancelRotateSecret",
  "CreateSecret",
  "DeleteResourcePolicy",
  "DeleteSecret",
  "DescribeSecret",
  "GetRandomPassword",
  "GetResourcePolicy",
  "GetSecretValue",
  "ListSecretVersionIds",
  "ListSecrets",
  "PutResourcePolicy",
  "PutSecretValue",
  "RemoveRegionsFromReplication",
  "ReplicateSecretToRegions",
  "RestoreSecret",
  "RotateSecret",
  "StopReplicationToReplica",
  "TagResource",
  "UntagResource",
  "UpdateSecret",
  "UpdateSecretVersionStage",
  "ValidateResourcePolicy",
  "AgentGet"
])

/** @internal */
export const unknownOperation = "Unknown"

// AWS's longest SecretId: a longer one names no secret, and is counted in the totals only.
const maxSecretIdLength = 2048

/** @internal */
export interface Snapshot {
  readonly calls: number
  readonly operations: Record<string, number>
  readonly secretIds: Record<string, number>
}

/** @internal */
export const make = (options: { readonly maxTrackedSecretIds: number }) => {
  const byOperation = new Map<string, number>()
  // Secret id to its counts by operation, least recently named first.
  const bySecret = new Map<string, Map<string, number>>()

  const waiters = new Set<Waiter>()

  const bump = (map: Map<string, number>, k: string) => map.set(k, (map.get(k) ?? 0) + 1)

  const sum = (map: ReadonlyMap<string, number>, operation: string | undefined): number => {
    if (operation !== undefined) return map.get(operation) ?? 0
    let total = 0
    for (const n of map.values()) total += n
    return total
  }

  const countNow = (operation?: string, secretId?: string): number => {
    if (secretId !== undefined) {
      const counts = bySecret.get(secretId)
      return counts === undefined ? 0 : sum(counts, operation)
    }
    return sum(byOperation, operation)
  }

  const track = (operation: string, secretId: string) => {
    const counts = bySecret.get(secretId) ?? new Map<string, number>()
    // Taken out and put back: the map's order is the order in which ids were last named.
    bySecret.delete(secretId)
    bySecret.set(secretId, counts)
    bump(counts, operation)
    if (bySecret.size > options.maxTrackedSecretIds) {
      const oldest = bySecret.keys().next()
      if (oldest.done !== true) bySecret.delete(oldest.value)
    }
  }

  const record = (operation: string, secretIds: ReadonlyArray<string>) =>
    Effect.sync(() => {
      const name = operationNames.has(operation) ? operation : unknownOperation
      bump(byOperation, name)
      for (const secretId of new Set(secretIds)) {
        if (secretId.length <= maxSecretIdLength) track(name, secretId)
      }
      for (const waiter of waiters) {
        if (countNow(waiter.operation, waiter.secretId) >= waiter.atLeast) {
          waiters.delete(waiter)
          Deferred.doneUnsafe(waiter.done, Effect.void)
        }
      }
    })

  const count = (operation?: string, secretId?: string) => Effect.sync(() => countNow(operation, secretId))

  /** Completes once at least `atLeast` matching calls have been received: a test's way to know a call arrived. */
  const awaitCount = (atLeast: number, operation?: string, secretId?: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (countNow(operation, secretId) >= atLeast) return Effect.void
      const waiter: Waiter = { atLeast, operation, secretId, done: Deferred.makeUnsafe<void>() }
      waiters.add(waiter)
      return Effect.ensuring(Deferred.await(waiter.done), Effect.sync(() => waiters.delete(waiter)))
    })

  /**
   * The counts that match a filter, every part of them: the total, the calls by operation and the calls by secret id.
   */
  const snapshot = (operation?: string, secretId?: string): Effect.Effect<Snapshot> =>
    Effect.sync(() => {
      // Without a prototype: a secret id such as `__proto__` is a key like any other.
      const operations: Record<string, number> = Object.create(null)
      const secretIds: Record<string, number> = Object.create(null)
      const source = secretId === undefined ? byOperation : bySecret.get(secretId) ?? new Map<string, number>()
      for (const [op, n] of source) if (operation === undefined || op === operation) operations[op] = n
      for (const [id, counts] of bySecret) {
        if (secretId !== undefined && id !== secretId) continue
        const n = sum(counts, operation)
        if (n > 0) secretIds[id] = n
      }
      return { calls: countNow(operation, secretId), operations, secretIds }
    })

  const reset = Effect.sync(() => {
    byOperation.clear()
    bySecret.clear()
  })

  return { record, count, awaitCount, snapshot, reset } as const
}

/** @internal */
export type Calls = ReturnType<typeof make>
