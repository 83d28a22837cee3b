import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsMetrics, SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Metric, Option, Tracer } from "effect"
import { TestClock } from "effect/testing"

const exact: SecretsOptions = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1 }
const marker = "MRKspan8T3"

// Metrics are process-wide: each test reads how much they moved.
const counted = (metric: Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)
// Effect 4 names Effect 3's metric tags "attributes".
const tagged = (metric: Metric.Counter<number>, key: string, value: string) =>
  Metric.withAttributes(metric, { [key]: value })

interface Recorded {
  readonly name: string
  readonly span: Tracer.Span
  readonly parent: string | undefined
}

// A tracer that records every span: its name, its attributes (Effect 4 sets them on the span after it is made) and
// its parent's name.
const recordingTracer = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      const parent = Option.isSome(options.parent) && options.parent.value._tag === "Span"
        ? options.parent.value.name
        : undefined
      spans.push({ name: options.name, span, parent })
      return span
    }
  })
  const attributes = (recorded: Recorded) => recorded.span.attributes
  return { spans, tracer, attributes }
}

describe("metrics", () => {
  it.effect("hits, misses, loads, failures by error tag, stale reads and load durations are Effect Metrics", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const store = yield* TestSecretStore
      const before = {
        hits: yield* counted(SecretsMetrics.hits),
        misses: yield* counted(SecretsMetrics.misses),
        loads: yield* counted(SecretsMetrics.loads),
        unavailable: yield* counted(tagged(SecretsMetrics.loadFailures, "error", "SecretsUnavailable")),
        stale: yield* counted(SecretsMetrics.staleReads),
        durations: (yield* Metric.value(SecretsMetrics.loadDuration)).count
      }
      yield* store.setLatency("250 millis")
      const first = yield* Effect.forkChild(secrets.get("db"))
      yield* TestClock.adjust("250 millis")
      yield* Fiber.await(first)
      yield* store.setLatency(0)
      yield* secrets.get("db")
      yield* secrets.get("db")
      yield* store.failNext("db", "throttled")
      yield* TestClock.adjust("60 seconds")
      yield* secrets.get("db") // stale
      assert.strictEqual((yield* counted(SecretsMetrics.hits)) - before.hits, 2)
      assert.strictEqual((yield* counted(SecretsMetrics.misses)) - before.misses, 2)
      assert.strictEqual((yield* counted(SecretsMetrics.loads)) - before.loads, 2)
      assert.strictEqual(
        (yield* counted(tagged(SecretsMetrics.loadFailures, "error", "SecretsUnavailable"))) -
          before.unavailable,
        1
      )
      assert.strictEqual((yield* counted(SecretsMetrics.staleReads)) - before.stale, 1)
      const durations = yield* Metric.value(SecretsMetrics.loadDuration)
      assert.strictEqual(durations.count - before.durations, 2)
      assert.isAtLeast(durations.max, 0.25, "the 250 ms load, in seconds")
    }).pipe(Effect.provide(SecretsService.layerTest({ db: "v1" }, { ...exact, maxStale: "1 hour" }))))

  it.effect("a secret_id label only when asked for, cold misses included", () =>
    Effect.gen(function*() {
      const secrets = yield* SecretsService
      const labelled = tagged(SecretsMetrics.hits, "secret_id", "labelled/db")
      const labelledMisses = tagged(SecretsMetrics.misses, "secret_id", "labelled/db")
      const before = yield* counted(labelled)
      const missesBefore = yield* counted(labelledMisses)
      yield* secrets.get("labelled/db")
      yield* secrets.get("labelled/db")
      assert.strictEqual((yield* counted(labelled)) - before, 1)
      assert.strictEqual((yield* counted(labelledMisses)) - missesBefore, 1)
    }).pipe(Effect.provide(SecretsService.layerTest({ "labelled/db": "v1" }, { ...exact, secretIdLabel: true }))))
})

describe("spans", () => {
  it.effect("a miss is traced as get, load and store call under the caller's span; attributes carry no value", () => {
    const { attributes, spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      const secrets = yield* SecretsService
      yield* secrets.get("db").pipe(Effect.withSpan("request"))
      yield* secrets.get("db").pipe(Effect.withSpan("request")) // a hit: not traced by default
      const names = spans.map((span) => `${span.name} <- ${span.parent ?? "root"}`)
      assert.deepStrictEqual(names, [
        "request <- root",
        "SecretsService.get <- request",
        "SecretsService.load <- SecretsService.get",
        "SecretStore.fetch <- SecretsService.load",
        "request <- root"
      ])
      const get = spans.find((span) => span.name === "SecretsService.get")!
      assert.strictEqual(attributes(get).get("cache.outcome"), "miss")
      assert.strictEqual(attributes(get).get("secret.id"), "db")
      const load = spans.find((span) => span.name === "SecretsService.load")!
      assert.match(String(attributes(load).get("secret.version_id")), /^[0-9a-f-]{36}$/)
      for (const span of spans) {
        for (const value of attributes(span).values()) assert.notInclude(String(value), marker)
      }
    }).pipe(
      Effect.provide(SecretsService.layerTest({ db: `secret-${marker}` }, exact)),
      Effect.withTracer(tracer)
    )
  })

  it.effect("an id pasted by mistake is cut short in the span", () => {
    const { attributes, spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      const secrets = yield* SecretsService
      yield* Effect.exit(secrets.get(`${"x".repeat(300)} tail-that-must-not-travel`))
      assert.isAbove(spans.length, 0, "the failed read was traced")
      for (const span of spans) {
        for (const value of attributes(span).values()) assert.notInclude(String(value), "tail-that-must-not-travel")
      }
    }).pipe(Effect.provide(SecretsService.layerTest({}, exact)), Effect.withTracer(tracer))
  })

  it.effect("with traceHits, hits are traced too, with their outcome", () => {
    const { attributes, spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      const secrets = yield* SecretsService
      yield* secrets.get("db")
      yield* secrets.get("db")
      const outcomes = spans.filter((s) => s.name === "SecretsService.get").map((s) =>
        attributes(s).get("cache.outcome")
      )
      assert.deepStrictEqual(outcomes, ["miss", "hit"])
    }).pipe(
      Effect.provide(SecretsService.layerTest({ db: "v1" }, { ...exact, traceHits: true })),
      Effect.withTracer(tracer)
    )
  })
})
