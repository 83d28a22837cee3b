// Metrics and spans of the cache, exported through @effect/opentelemetry to in-memory exporters and printed.
import { AwsSecrets } from "@effect-secrets/aws"
import { SecretsService } from "@effect-secrets/core"
import { LocalSecretsManager } from "@effect-secrets/local"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { MetricReader } from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Console, Effect, Layer } from "effect"

export const timeToLive = "200 millis"

// A metric reader that is read on demand: `collect()` returns what Effect's metrics hold now.
class SnapshotReader extends MetricReader {
  protected override onForceFlush() {
    return Promise.resolve()
  }
  protected override onShutdown() {
    return Promise.resolve()
  }
}

export const makeTelemetry = () => {
  const spans = new InMemorySpanExporter()
  const metrics = new SnapshotReader()
  const layer = NodeSdk.layer(() => ({
    resource: { serviceName: "effect-secrets-observability" },
    spanProcessor: new SimpleSpanProcessor(spans),
    metricReader: metrics
  }))
  return { spans, metrics, layer }
}

// The cache over the real AWS SDK, against a local Secrets Manager endpoint in this process.
export const SecretsLive = Layer.unwrapEffect(
  Effect.map(LocalSecretsManager, (local) =>
    AwsSecrets.layer({
      timeToLive,
      jitter: 0,
      maxStale: "1 minute",
      failureBackoff: { base: "50 millis", max: "50 millis" },
      retry: { maxAttempts: 1 },
      clientConfig: local.clientConfig
    }))
).pipe(Layer.provideMerge(LocalSecretsManager.layer({ secrets: { "prod/api-key": "key-v1", "prod/db": "pw-v1" } })))

// What a service does: requests that read secrets, a rotation, an outage.
export const workload = Effect.gen(function*() {
  const secrets = yield* SecretsService
  const local = yield* LocalSecretsManager
  const request = (name: string) =>
    Effect.all([secrets.getString("prod/api-key"), secrets.getString("prod/db")]).pipe(Effect.withSpan(name))
  yield* request("GET /orders (cold)")
  yield* request("GET /orders (warm)")
  yield* local.putSecretValue("prod/api-key", "key-v2")
  yield* Effect.sleep(timeToLive)
  yield* request("GET /orders (after the TTL)")
  yield* local.faults.throttle({ fraction: 1 })
  yield* Effect.sleep(timeToLive)
  yield* request("GET /orders (Secrets Manager throttling)")
  yield* local.faults.clear
  yield* Effect.exit(secrets.get("prod/missing").pipe(Effect.withSpan("GET /missing")))
})

// The exported spans (as a tree) and metrics, as lines of text.
export const report = (telemetry: ReturnType<typeof makeTelemetry>) =>
  Effect.promise(async () => {
    const lines: Array<string> = ["Spans:"]
    // The local endpoint traces its own HTTP handling into the same tracer; this report is about the service's spans.
    const finished = telemetry.spans.getFinishedSpans().filter((span) => !span.name.startsWith("http.server"))
    // A tree: each span under its parent, siblings in the order they started (then finished).
    type Span = (typeof finished)[number]
    const ids = new Set(finished.map((span) => span.spanContext().spanId))
    const parentOf = (span: Span) =>
      span.parentSpanContext !== undefined && ids.has(span.parentSpanContext.spanId)
        ? span.parentSpanContext.spanId
        : "root"
    const started = (span: Span) => span.startTime[0] * 1e9 + span.startTime[1]
    const order = (a: Span, b: Span) => started(a) - started(b) || finished.indexOf(a) - finished.indexOf(b)
    const print = (parent: string, depth: number) => {
      for (const span of finished.filter((span) => parentOf(span) === parent).sort(order)) {
        const attributes = Object.entries(span.attributes)
          .filter(([key]) => key.startsWith("secret.") || key.startsWith("cache.") || key.startsWith("load."))
          .map(([key, value]) => `${key}=${String(value)}`)
        lines.push(`${"  ".repeat(depth)}${span.name}${attributes.length > 0 ? `  {${attributes.join(", ")}}` : ""}`)
        print(span.spanContext().spanId, depth + 1)
      }
    }
    print("root", 1)
    lines.push("", "Metrics:")
    const { resourceMetrics } = await telemetry.metrics.collect()
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (!metric.descriptor.name.startsWith("effect_secrets_")) continue
        for (const point of metric.dataPoints) {
          const labels = Object.entries(point.attributes).map(([k, v]) => `${k}="${String(v)}"`).join(",")
          const value = typeof point.value === "number"
            ? point.value
            : `count=${(point.value as { count: number }).count}`
          lines.push(`  ${metric.descriptor.name}${labels.length > 0 ? `{${labels}}` : ""} ${value}`)
        }
      }
    }
    return lines
  })

export const program = (say: (line: string) => Effect.Effect<void> = Console.log) => {
  const telemetry = makeTelemetry()
  return Effect.gen(function*() {
    yield* workload.pipe(Effect.provide(SecretsLive))
    for (const line of yield* report(telemetry)) yield* say(line)
  }).pipe(Effect.provide(telemetry.layer))
}
