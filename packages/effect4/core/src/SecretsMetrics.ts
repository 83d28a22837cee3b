/**
 * The service's Effect `Metric`s. Names follow Prometheus conventions (`_total` counters, `_seconds` histograms).
 * Attributes: `error` (an error's tag) on load failures, `reason` on evictions, and `secret_id` on every metric only
 * when `SecretsOptions.secretIdLabel` is set (one time series per secret: mind the cardinality). Never a value.
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"

/**
 * Reads answered from a fresh entry (refresh-ahead reads included).
 *
 * @since 0.1.0
 * @category metrics
 */
export const hits = Metric.counter("effect_secrets_hits_total", {
  description: "Reads answered from a fresh cache entry",
  incremental: true
})

/**
 * Reads that needed a load, or were answered by a failure remembered for its backoff.
 *
 * @since 0.1.0
 * @category metrics
 */
export const misses = Metric.counter("effect_secrets_misses_total", {
  description: "Reads that needed a load or were answered by a remembered failure",
  incremental: true
})

/**
 * Loads started (one store call each, or one share of a batched prefetch call).
 *
 * @since 0.1.0
 * @category metrics
 */
export const loads = Metric.counter("effect_secrets_loads_total", {
  description: "Loads started",
  incremental: true
})

/**
 * Loads that failed, labelled `error` with the error's tag (`SecretsUnavailable`, `SecretNotFound`, ..., `Defect`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const loadFailures = Metric.counter("effect_secrets_load_failures_total", {
  description: "Loads that failed, by error tag",
  incremental: true
})

/**
 * Reads answered with a value past its TTL because loads failed (stale-if-error).
 *
 * @since 0.1.0
 * @category metrics
 */
export const staleReads = Metric.counter("effect_secrets_stale_reads_total", {
  description: "Reads answered with a stale value while loads failed",
  incremental: true
})

/**
 * Background refreshes started by refresh-ahead.
 *
 * @since 0.1.0
 * @category metrics
 */
export const backgroundRefreshes = Metric.counter("effect_secrets_background_refreshes_total", {
  description: "Background refreshes started by refresh-ahead",
  incremental: true
})

/**
 * Values dropped, labelled `reason`: `capacity` (least recently used), `revoked` (not found, denied, rejected) or
 * `expired` (past `maxStale`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const evictions = Metric.counter("effect_secrets_evictions_total", {
  description: "Values dropped, by reason",
  incremental: true
})

/**
 * How long loads took, from the start of the store call to its answer, in seconds (buckets from 1 ms to about 33 s).
 *
 * @since 0.1.0
 * @category metrics
 */
export const loadDuration = Metric.histogram("effect_secrets_load_duration_seconds", {
  description: "Duration of loads, in seconds",
  boundaries: Metric.exponentialBoundaries({ start: 0.001, factor: 2, count: 16 })
})
