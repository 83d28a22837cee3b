import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Metric, Schema, Tracer } from "effect"
import { TestClock } from "effect/testing"
import * as util from "node:util"

const V = "VALUEMARK7q"

const scenario = (ids: { a: string; b: string; c: string }) =>
  Effect.gen(function*() {
    const secrets = yield* SecretsService
    const store = yield* TestSecretStore
    yield* secrets.get(ids.a)
    yield* secrets.getString(ids.b)
    const fast = secrets.get(ids.a)
    yield* fast
    yield* fast
    yield* secrets.get(ids.c) // evicts b (capacity 2)
    yield* Effect.exit(secrets.getBinary(ids.a)) // a decode error
    yield* Effect.exit(secrets.getJson(ids.c, Schema.Struct({ n: Schema.Number })))
    yield* store.failNext(ids.a, "unavailable", 5)
    yield* TestClock.adjust("45 seconds") // past refresh-ahead (0.5 of 60s)
    yield* secrets.get(ids.a) // refresh-ahead, fails in the background
    yield* Effect.yieldNow
    yield* TestClock.adjust("20 seconds") // past TTL
    yield* Effect.exit(secrets.get(ids.a)) // stale-if-error
    yield* store.failNext(ids.c, "accessDenied")
    yield* Effect.exit(secrets.refresh(ids.c)) // revoked
    yield* Effect.exit(secrets.get("missing-" + ids.a))
    yield* secrets.prefetch([ids.a, ids.b, ids.c])
    yield* secrets.invalidate(ids.a)
    let calls = 0
    const ws = yield* Effect.forkChild(
      secrets.withSecret(ids.b, () => ++calls === 1 ? Effect.fail("auth" as const) : Effect.void, {
        isAuthFailure: () => true
      })
    )
    yield* TestClock.adjust("100 seconds")
    yield* Fiber.await(ws)
  })

const options: SecretsOptions = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 0.5, capacity: 2 }

const attributeValues = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>) =>
  snapshots.filter((s) => s.id.startsWith("effect_secrets")).flatMap((s) =>
    Object.values(s.attributes ?? {}).map(String)
  )

describe("review12 observability", () => {
  it.effect("with secretIdLabel off, no metric series carries a secret id; with it on, they do", () =>
    Effect.gen(function*() {
      const off = { a: "offA-r12", b: "offB-r12", c: "offC-r12" }
      yield* scenario(off).pipe(
        Effect.provide(SecretsService.layerTest({ [off.a]: V, [off.b]: V, [off.c]: JSON.stringify({ n: V }) }, options))
      )
      const snapshots = yield* Metric.snapshot
      const names = new Set(snapshots.map((s) => s.id))
      assert.isTrue([...names].some((n) => n.startsWith("effect_secrets")), `metric names: ${[...names].join(",")}`)
      const values = attributeValues(snapshots)
      assert.deepStrictEqual(values.filter((v) => v.includes("off") || v.includes(V)), [])
      const on = { a: "onA-r12", b: "onB-r12", c: "onC-r12" }
      yield* scenario(on).pipe(
        Effect.provide(
          SecretsService.layerTest({ [on.a]: V, [on.b]: V, [on.c]: JSON.stringify({ n: V }) }, {
            ...options,
            secretIdLabel: true
          })
        )
      )
      const valuesOn = attributeValues(yield* Metric.snapshot)
      assert.isTrue(valuesOn.some((v) => v === on.a))
      assert.deepStrictEqual(valuesOn.filter((v) => v.includes("off") || v.includes(V)), [])
    }))

  it.effect("no span (attributes, events, exit) holds a value", () =>
    Effect.gen(function*() {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span: (o) => {
          const span = new Tracer.NativeSpan(o)
          spans.push(span)
          return span
        }
      })
      const ids = { a: "spA", b: "spB", c: "spC" }
      yield* scenario(ids).pipe(
        Effect.provide(
          SecretsService.layerTest({ [ids.a]: V, [ids.b]: V, [ids.c]: JSON.stringify({ n: V }) }, {
            ...options,
            traceHits: true
          })
        ),
        Effect.withTracer(tracer)
      )
      // let background fibers end
      yield* TestClock.adjust("1 second")
      assert.isAbove(spans.length, 5)
      const leaking: Array<string> = []
      for (const span of spans) {
        const rendered = [
          util.inspect(span.attributes, { depth: 10 }),
          util.inspect(span.events, { depth: 10 }),
          util.inspect(span.status, { depth: 10, showHidden: true }),
          String(span.status._tag === "Ended" ? span.status.exit : ""),
          JSON.stringify(span.status._tag === "Ended" ? span.status.exit : "")
        ]
        for (const r of rendered) if (r.includes(V)) leaking.push(`${span.name}: ${r}`)
      }
      assert.deepStrictEqual(leaking, [])
    }))

  it.effect("refresh-ahead spans end and record only ids", () =>
    Effect.gen(function*() {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span: (o) => {
          const span = new Tracer.NativeSpan(o)
          spans.push(span)
          return span
        }
      })
      yield* Effect.gen(function*() {
        const secrets = yield* SecretsService
        const store = yield* TestSecretStore
        yield* secrets.get("db")
        yield* store.setLatency("1 second")
        yield* TestClock.adjust("45 seconds")
        const f = yield* Effect.forkChild(secrets.get("db"))
        yield* Fiber.join(f)
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* store.fetchCount("db"), 2)
      }).pipe(Effect.provide(SecretsService.layerTest({ db: V }, options)), Effect.withTracer(tracer))
      const open = spans.filter((s) => s.status._tag !== "Ended").map((s) => s.name)
      assert.deepStrictEqual(open, [])
      for (const s of spans) assert.notInclude(util.inspect(s.status, { depth: 10 }), V)
    }))
})
