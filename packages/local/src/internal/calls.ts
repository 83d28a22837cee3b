/**
 * The count of API calls received, by operation and by the secret ids named in the request. A call counts once in
 * the totals however many ids it names (BatchGetSecretValue), and once for each distinct id it names.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"

interface Waiter {
  readonly atLeast: number
  readonly operation: string | undefined
  readonly secretId: string | undefined
  readonly done: Deferred.Deferred<void>
}

const key = (operation: string, secretId: string) => `${operation}\u0000${secretId}`

/** @internal */
export const make = () => {
  const byOperation = new Map<string, number>()
  const bySecret = new Map<string, number>()

  const waiters = new Set<Waiter>()

  const bump = (map: Map<string, number>, k: string) => map.set(k, (map.get(k) ?? 0) + 1)

  const countNow = (operation?: string, secretId?: string): number => {
    let total = 0
    if (secretId === undefined) {
      for (const [op, n] of byOperation) if (operation === undefined || op === operation) total += n
    } else {
      for (const [k, n] of bySecret) {
        const [op, id] = k.split("\u0000")
        if (id === secretId && (operation === undefined || op === operation)) total += n
      }
    }
    return total
  }

  const record = (operation: string, secretIds: ReadonlyArray<string>) =>
    Effect.sync(() => {
      bump(byOperation, operation)
      for (const secretId of new Set(secretIds)) bump(bySecret, key(operation, secretId))
      for (const waiter of waiters) {
        if (countNow(waiter.operation, waiter.secretId) >= waiter.atLeast) {
          waiters.delete(waiter)
          Deferred.unsafeDone(waiter.done, Effect.void)
        }
      }
    })

  const count = (operation?: string, secretId?: string) => Effect.sync(() => countNow(operation, secretId))

  /** Completes once at least `atLeast` matching calls have been received: a test's way to know a call arrived. */
  const awaitCount = (atLeast: number, operation?: string, secretId?: string): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (countNow(operation, secretId) >= atLeast) return Effect.void
      const waiter: Waiter = { atLeast, operation, secretId, done: Deferred.unsafeMake(FiberId.none) }
      waiters.add(waiter)
      return Effect.ensuring(Deferred.await(waiter.done), Effect.sync(() => waiters.delete(waiter)))
    })

  const snapshot = Effect.sync(() => {
    const operations: Record<string, number> = {}
    for (const [op, n] of byOperation) operations[op] = n
    const secretIds: Record<string, number> = {}
    for (const [k, n] of bySecret) {
      const id = k.split("\u0000")[1] ?? ""
      secretIds[id] = (secretIds[id] ?? 0) + n
    }
    return { operations, secretIds }
  })

  const reset = Effect.sync(() => {
    byOperation.clear()
    bySecret.clear()
  })

  return { record, count, awaitCount, snapshot, reset } as const
}

/** @internal */
export type Calls = ReturnType<typeof make>
