import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import type { SecretValue, VersionSelector } from "@effect-secrets/core"
import { describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"

type Cmd =
  | { readonly _tag: "put"; readonly s: number }
  | { readonly _tag: "putPending"; readonly s: number }
  | { readonly _tag: "promote"; readonly s: number }
  | { readonly _tag: "invalidate"; readonly s: number; readonly sel: number }
  | { readonly _tag: "invalidateAll" }
  | { readonly _tag: "advance"; readonly seconds: number }
  | { readonly _tag: "read"; readonly s: number; readonly sel: number; readonly fast: boolean; readonly view: 0 | 1 }
  | { readonly _tag: "refresh"; readonly s: number; readonly sel: number }

const SECRETS = ["alpha", "beta", "alpha-beta"]
const STAGES = ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"]

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ _tag: fc.constant("put" as const), s: fc.nat(2) }),
  fc.record({ _tag: fc.constant("putPending" as const), s: fc.nat(2) }),
  fc.record({ _tag: fc.constant("promote" as const), s: fc.nat(2) }),
  fc.record({ _tag: fc.constant("invalidate" as const), s: fc.nat(2), sel: fc.nat(7) }),
  fc.record({ _tag: fc.constant("invalidateAll" as const) }),
  fc.record({ _tag: fc.constant("advance" as const), seconds: fc.integer({ min: 1, max: 70 }) }),
  fc.record({
    _tag: fc.constant("read" as const),
    s: fc.nat(2),
    sel: fc.nat(7),
    fast: fc.boolean(),
    view: fc.constantFrom(0 as const, 1 as const)
  }),
  fc.record({
    _tag: fc.constant("read" as const),
    s: fc.nat(2),
    sel: fc.nat(7),
    fast: fc.constant(true),
    view: fc.constant(0 as const)
  }),
  fc.record({ _tag: fc.constant("refresh" as const), s: fc.nat(2), sel: fc.nat(7) })
)

const runHistory = (cmds: ReadonlyArray<Cmd>) =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    const store = yield* TestSecretStore
    // every version ever written: id -> [secret, value]; values unique
    const written = new Map<string, readonly [string, string]>()
    const versionsOf = new Map<string, Array<string>>()
    const pending = new Map<string, string>()
    let n = 0
    for (const s of SECRETS) {
      const value = `${s}#${n++}`
      const id = yield* store.put(s, value)
      written.set(id, [s, value])
      versionsOf.set(s, [id])
    }
    const selectorOf = (s: string, sel: number): VersionSelector | undefined => {
      if (sel === 0) return undefined
      if (sel <= 3) return { versionStage: STAGES[sel - 1]! }
      const ids = versionsOf.get(s)!
      return { versionId: ids[(sel - 4) % ids.length]! }
    }
    const check = (s: string, sel: VersionSelector | undefined, got: SecretValue, label: string) => {
      const value = String(Redacted.value(got.value as Redacted.Redacted<string>))
      const entry = written.get(got.versionId)
      if (entry === undefined) throw new Error(`${label}: unknown version ${got.versionId}`)
      if (entry[0] !== s) throw new Error(`${label}: asked ${s}, got a version of ${entry[0]}`)
      if (entry[1] !== value) {
        throw new Error(`${label}: version ${got.versionId} served value ${value}, wrote ${entry[1]}`)
      }
      if (!value.startsWith(`${s}#`)) throw new Error(`${label}: asked ${s}, got value ${value}`)
      if (sel?.versionId !== undefined && got.versionId !== sel.versionId) {
        throw new Error(`${label}: asked version ${sel.versionId}, got ${got.versionId}`)
      }
      const stage = sel?.versionId === undefined ? (sel?.versionStage ?? "AWSCURRENT") : undefined
      if (stage !== undefined && !got.versionStages.includes(stage)) {
        throw new Error(`${label}: asked stage ${stage}, got version staged ${got.versionStages.join(",")}`)
      }
    }
    const oracle = (s: string, sel: VersionSelector | undefined) => Effect.exit(store.fetch({ secretId: s, ...sel }))
    const sameAsStore = (
      s: string,
      sel: VersionSelector | undefined,
      exit: Exit.Exit<SecretValue, unknown>,
      label: string
    ) =>
      Effect.gen(function*() {
        const truth = yield* oracle(s, sel)
        if (Exit.isSuccess(truth) !== Exit.isSuccess(exit)) {
          throw new Error(`${label}: store says ${truth._tag}, service says ${exit._tag}`)
        }
        if (Exit.isSuccess(truth) && Exit.isSuccess(exit) && truth.value.versionId !== exit.value.versionId) {
          throw new Error(`${label}: store has ${truth.value.versionId}, service served ${exit.value.versionId}`)
        }
      })
    const justInvalidated = new Set<string>()
    const keyOf = (s: string, sel: VersionSelector | undefined) => JSON.stringify([s, sel ?? null])
    for (const [i, c] of cmds.entries()) {
      const label = `step ${i} ${JSON.stringify(c)}`
      switch (c._tag) {
        case "put":
        case "putPending": {
          const s = SECRETS[c.s]!
          const value = `${s}#${n++}`
          const id = yield* (c._tag === "put" ? store.put(s, value) : store.putPending(s, value))
          written.set(id, [s, value])
          versionsOf.get(s)!.push(id)
          if (c._tag === "putPending") pending.set(s, id)
          break
        }
        case "promote": {
          const s = SECRETS[c.s]!
          const id = pending.get(s)
          if (id !== undefined) {
            yield* store.promote(s, id)
            pending.delete(s)
          }
          break
        }
        case "invalidate": {
          const s = SECRETS[c.s]!
          const sel = selectorOf(s, c.sel)
          yield* secrets.invalidate(s, sel)
          justInvalidated.add(keyOf(s, sel))
          break
        }
        case "invalidateAll":
          yield* secrets.invalidateAll
          for (const s of SECRETS) for (let sel = 0; sel < 8; sel++) justInvalidated.add(keyOf(s, selectorOf(s, sel)))
          break
        case "advance":
          yield* TestClock.adjust(`${c.seconds} seconds`)
          if (c.seconds >= 60) {
            for (const s of SECRETS) for (let sel = 0; sel < 8; sel++) justInvalidated.add(keyOf(s, selectorOf(s, sel)))
          }
          break
        case "read":
        case "refresh": {
          const s = SECRETS[c.s]!
          const sel = selectorOf(s, c.sel)
          const effect = c._tag === "refresh"
            ? secrets.refresh(s, sel)
            : c.view === 0
            ? secrets.get(s, sel)
            : Effect.map(secrets.getString(s, sel), () => undefined)
          let exit: Exit.Exit<SecretValue | undefined, unknown>
          if (c._tag === "read" && c.fast) {
            exit = yield* Effect.exit(Effect.gen(function*() {
              return yield* effect
            }))
          } else {
            exit = yield* Effect.exit(effect)
          }
          if (Exit.isSuccess(exit) && exit.value !== undefined) check(s, sel, exit.value, label)
          const k = keyOf(s, sel)
          if ((justInvalidated.has(k) || c._tag === "refresh") && (c._tag === "refresh" || c.view === 0)) {
            yield* sameAsStore(s, sel, exit as Exit.Exit<SecretValue, unknown>, label)
          }
          justInvalidated.delete(k)
          break
        }
      }
    }
  })

describe("review12 versions", () => {
  it.effect(
    "property: a read never serves another secret's or another version's value; after invalidate or TTL it serves what the store has",
    () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 60 }), (cmds) =>
            Effect.runPromise(
              runHistory(cmds).pipe(
                Effect.provide(
                  SecretsService.layerTest({}, { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1, capacity: 5 })
                ),
                Effect.provide(TestClock.layer())
              )
            )),
          { numRuns: 300, verbose: 1 }
        )
      ),
    60_000
  )
})

// Concurrent variant: every read is forked against a store that takes 1 second, so invalidations, rotations and
// other reads land while loads are in flight.
type CCmd =
  | { readonly _tag: "put"; readonly s: number }
  | { readonly _tag: "invalidate"; readonly s: number; readonly sel: number }
  | { readonly _tag: "tick"; readonly ms: number }
  | {
    readonly _tag: "fork"
    readonly s: number
    readonly sel: number
    readonly fast: boolean
    readonly refresh: boolean
  }
  | { readonly _tag: "interruptOldest" }

const ccmd: fc.Arbitrary<CCmd> = fc.oneof(
  fc.record({ _tag: fc.constant("put" as const), s: fc.nat(1) }),
  fc.record({ _tag: fc.constant("invalidate" as const), s: fc.nat(1), sel: fc.nat(3) }),
  fc.record({ _tag: fc.constant("tick" as const), ms: fc.constantFrom(300, 700, 1000, 61_000) }),
  fc.record({
    _tag: fc.constant("fork" as const),
    s: fc.nat(1),
    sel: fc.nat(3),
    fast: fc.boolean(),
    refresh: fc.boolean()
  }),
  fc.record({ _tag: fc.constant("interruptOldest" as const) })
)

describe("review12 versions under concurrency", () => {
  it.effect(
    "property: concurrent loads, invalidations and rotations never mix secrets or versions; afterwards the cache agrees with the store",
    () =>
      Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(ccmd, { minLength: 1, maxLength: 50 }), (cmds) =>
            Effect.runPromise(
              Effect.gen(function*() {
                const secrets = yield* SecretsService
                const store = yield* TestSecretStore
                const written = new Map<string, readonly [string, string]>()
                const ids = new Map<string, Array<string>>()
                const S = ["one", "two"]
                let n = 0
                for (const s of S) {
                  const value = `${s}#${n++}`
                  const id = yield* store.put(s, value)
                  written.set(id, [s, value])
                  ids.set(s, [id])
                }
                yield* store.setLatency("1 second")
                const sel = (s: string, k: number): VersionSelector | undefined =>
                  k === 0 ? undefined : k === 1 ? { versionStage: "AWSPREVIOUS" } : { versionId: ids.get(s)![0]! }
                const forks: Array<
                  { fiber: Fiber.Fiber<SecretValue, unknown>; s: string; sel: VersionSelector | undefined }
                > = []
                for (const c of cmds) {
                  switch (c._tag) {
                    case "put": {
                      const s = S[c.s]!
                      const value = `${s}#${n++}`
                      const id = yield* store.put(s, value)
                      written.set(id, [s, value])
                      ids.get(s)!.push(id)
                      break
                    }
                    case "invalidate":
                      yield* secrets.invalidate(S[c.s]!, sel(S[c.s]!, c.sel))
                      break
                    case "tick":
                      yield* TestClock.adjust(c.ms)
                      break
                    case "fork": {
                      const s = S[c.s]!
                      const selector = sel(s, c.sel)
                      const eff = c.refresh ? secrets.refresh(s, selector) : secrets.get(s, selector)
                      const fiber = yield* Effect.forkChild(
                        c.fast
                          ? Effect.gen(function*() {
                            return yield* eff
                          })
                          : eff
                      )
                      forks.push({ fiber, s, sel: selector })
                      yield* Effect.yieldNow
                      break
                    }
                    case "interruptOldest": {
                      const f = forks.shift()
                      if (f !== undefined) yield* Fiber.interrupt(f.fiber)
                      break
                    }
                  }
                }
                yield* TestClock.adjust("2 seconds")
                for (const f of forks) {
                  const exit = yield* Fiber.await(f.fiber)
                  if (Exit.isSuccess(exit)) {
                    const got = exit.value
                    const entry = written.get(got.versionId)
                    const value = String(Redacted.value(got.value as Redacted.Redacted<string>))
                    if (entry === undefined || entry[0] !== f.s || entry[1] !== value) {
                      throw new Error(`asked ${f.s} ${JSON.stringify(f.sel)}, got ${got.versionId}=${value}`)
                    }
                    if (f.sel?.versionId !== undefined && got.versionId !== f.sel.versionId) {
                      throw new Error(`asked version ${f.sel.versionId}, got ${got.versionId}`)
                    }
                  } else if (!Exit.hasInterrupts(exit) && !String(exit.cause).includes("SecretNotFound")) {
                    throw new Error(`a read failed: ${exit.cause}`)
                  }
                }
                // After everything settled: an invalidated key reads what the store has.
                yield* store.setLatency("0 millis")
                for (const s of S) {
                  for (let k = 0; k < 3; k++) {
                    yield* secrets.invalidate(s, sel(s, k))
                    const got = yield* Effect.exit(secrets.get(s, sel(s, k)))
                    const truth = yield* Effect.exit(store.fetch({ secretId: s, ...sel(s, k) }))
                    if (Exit.isSuccess(got) !== Exit.isSuccess(truth)) {
                      throw new Error(`${s}/${k}: ${got._tag} vs ${truth._tag}`)
                    }
                    if (Exit.isSuccess(got) && Exit.isSuccess(truth) && got.value.versionId !== truth.value.versionId) {
                      throw new Error(`${s}/${k}: served ${got.value.versionId}, store has ${truth.value.versionId}`)
                    }
                  }
                }
                // No read hangs and nothing stays in flight: a final read of each key completes at once.
                for (const s of S) yield* secrets.get(s)
              }).pipe(
                Effect.provide(
                  SecretsService.layerTest({}, { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1, capacity: 3 })
                ),
                Effect.provide(TestClock.layer())
              )
            )),
          { numRuns: 300, verbose: 1 }
        )
      ),
    60_000
  )
})
