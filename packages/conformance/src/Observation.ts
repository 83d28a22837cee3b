/**
 * What a test can see of a cache after each command: what callers got, the store's calls, and the service's stats.
 */
import type { Key } from "./Commands.js"

/**
 * What one caller got. A value is `key#n:version`: the `n`th store call for that key, which found `version`, so an
 * answer says which load it came from.
 */
export type Answer =
  | { readonly _tag: "Value"; readonly value: string }
  | { readonly _tag: "Error"; readonly error: string }
  | { readonly _tag: "Defect" }
  | { readonly _tag: "Prefetched"; readonly results: ReadonlyArray<Answer> }

/** The caller (numbered from 1, in the order callers arrive: a `Read` of `n` makes `n` callers) and its answer. */
export interface Answered {
  readonly caller: number
  readonly answer: Answer
}

/** The counters of `SecretsService.stats`. */
export interface Stats {
  readonly hits: number
  readonly misses: number
  readonly loads: number
  readonly loadFailures: number
  readonly staleReads: number
  readonly backgroundRefreshes: number
  readonly evictions: number
  readonly size: number
}

export interface Observation {
  /** Callers whose answer came during this command, by caller number. */
  readonly answers: ReadonlyArray<Answered>
  /** Store calls in flight, per key (keys with none left out). */
  readonly pending: Readonly<Partial<Record<Key, number>>>
  /** Store calls made since the start, per key (keys with none left out). */
  readonly calls: Readonly<Partial<Record<Key, number>>>
  readonly stats: Stats
  /** The keys in the table, sorted: only a runtime that can show them without a read (the policy) gives them. */
  readonly table?: ReadonlyArray<Key> | undefined
}

/** The value a store call returns: which call, which version. */
export const valueOf = (key: Key, n: number, version: string): string => `${key}#${n}:${version}`

/** The key and call number a value came from. */
export const sourceOf = (value: string): { readonly key: Key; readonly n: number } => {
  const [key, rest] = value.split("#") as [Key, string]
  return { key, n: Number(rest.split(":")[0]) }
}

const showAnswer = (answer: Answer): string =>
  answer._tag === "Value"
    ? answer.value
    : answer._tag === "Error"
    ? answer.error
    : answer._tag === "Defect"
    ? "Defect"
    : `[${answer.results.map(showAnswer).join(", ")}]`

/** One line per difference between what the model expected and what the runtime did; empty when they agree. */
export const differences = (expected: Observation, actual: Observation): ReadonlyArray<string> => {
  const out: Array<string> = []
  const answers = (o: Observation) => o.answers.map((a) => `#${a.caller} ${showAnswer(a.answer)}`).join("; ")
  if (answers(expected) !== answers(actual)) {
    out.push(`answers: expected {${answers(expected)}}, got {${answers(actual)}}`)
  }
  const record = (r: Readonly<Partial<Record<string, number>>>) =>
    Object.entries(r).filter(([, n]) => n !== undefined && n > 0).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([k, n]) => `${k}=${n}`).join(" ")
  if (record(expected.pending) !== record(actual.pending)) {
    out.push(`store calls in flight: expected {${record(expected.pending)}}, got {${record(actual.pending)}}`)
  }
  if (record(expected.calls) !== record(actual.calls)) {
    out.push(`store calls made: expected {${record(expected.calls)}}, got {${record(actual.calls)}}`)
  }
  for (const name of Object.keys(expected.stats) as Array<keyof Stats>) {
    if (expected.stats[name] !== actual.stats[name]) {
      out.push(`stats.${name}: expected ${expected.stats[name]}, got ${actual.stats[name]}`)
    }
  }
  if (expected.table !== undefined && actual.table !== undefined) {
    if (expected.table.join(",") !== actual.table.join(",")) {
      out.push(`keys in the table: expected [${expected.table.join(", ")}], got [${actual.table.join(", ")}]`)
    }
  }
  return out
}
