import type { SecretsOptions } from "@effect-secrets/core"
import { SecretsMetrics, SecretsService, TestSecretStore } from "@effect-secrets/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric, Option, TestClock, Tracer } from "effect"

const exact: SecretsOptions = { timeToLive: "60 seconds", jitter: 0, refreshAhead: 1 }
const marker = "MRKspan8T3"

// Metrics are process-wide: each test reads how much they moved.
const counted = (metric: Metric.Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)

interface Recorded {
  readonly name: string
  readonly attributes: Map<string, unknown>
  readonly parent: string | undefined
}

// A tracer that records every span: its name, its attributes and its parent's name.
const recordingTracer = () => {
  const spans: Array<Recorded> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const attributes = new Map<string, unknown>(Object.entries(options?.attributes ?? {}))
      const parentName = Option.isSome(parent) && parent.value._tag === "Span"
        ? (parent.value as unknown as { readonly name: string }).name
        : undefined
      spans.push({ name, attributes, parent: parentName })
      return {
        _tag: "Span",
        name,
        spanId: `${spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        attribute: (key, value) => void attributes.set(key, value),
        event: () => {},
        addLinks: () => {},
        end: () => {}
      }
    },
    context: (f) => f()
  })
  return { spans, tracer }
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
        unavailable: yield* counted(Metric.tagged(SecretsMetrics.loadFailures, "error", "SecretsUnavailable")),
        stale: yield* counted(SecretsMetrics.staleReads),
        durations: (yield* Metric.value(SecretsMetrics.loadDuration)).count
      }
      yield* store.setLatency("250 millis")
      const first = yield* Effect.fork(secrets.get("db"))
      yield* TestClock.adjust("250 millis")
      yield* first.await
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
        (yield* counted(Metric.tagged(SecretsMetrics.loadFailures, "error", "SecretsUnavailable"))) -
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
      const labelled = Metric.tagged(SecretsMetrics.hits, "secret_id", "labelled/db")
      const labelledMisses = Metric.tagged(SecretsMetrics.misses, "secret_id", "labelled/db")
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
    const { spans, tracer } = recordingTracer()
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
      assert.strictEqual(get.attributes.get("cache.outcome"), "miss")
      assert.strictEqual(get.attributes.get("secret.id"), "db")
      const load = spans.find((span) => span.name === "SecretsService.load")!
      assert.match(String(load.attributes.get("secret.version_id")), /^[0-9a-f-]{36}$/)
      for (const span of spans) {
        for (const value of span.attributes.values()) assert.notInclude(String(value), marker)
      }
    }).pipe(
      Effect.provide(SecretsService.layerTest({ db: `secret-${marker}` }, exact)),
      Effect.withTracer(tracer)
    )
  })

  it.effect("an id pasted by mistake is cut short in the span", () => {
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      const secrets = yield* SecretsService
      yield* Effect.exit(secrets.get(`${"x".repeat(300)} tail-that-must-not-travel`))
      for (const span of spans) {
        for (const value of span.attributes.values()) assert.notInclude(String(value), "tail-that-must-not-travel")
      }
    }).pipe(Effect.provide(SecretsService.layerTest({}, exact)), Effect.withTracer(tracer))
  })

  it.effect("with traceHits, hits are traced too, with their outcome", () => {
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      const secrets = yield* SecretsService
      yield* secrets.get("db")
      yield* secrets.get("db")
      const outcomes = spans.filter((s) => s.name === "SecretsService.get").map((s) =>
        s.attributes.get("cache.outcome")
      )
      assert.deepStrictEqual(outcomes, ["miss", "hit"])
    }).pipe(
      Effect.provide(SecretsService.layerTest({ db: "v1" }, { ...exact, traceHits: true })),
      Effect.withTracer(tracer)
    )
  })
})
