/**
 * `pnpm bench`: the hit path (quiet and under load), a cold stampede, memory per entry, and a simulated fleet against
 * the API quota, for `@effect-secrets/core` side by side with Powertools' `SecretsProvider` and bare Effect /
 * JavaScript floors, in one process. Prints a markdown report on stdout (progress goes to stderr).
 *
 * `BENCH_ONLY=hit,load,stampede,effect4,memory,fleet` runs some sections only (`load` needs `hit`, `effect4` needs
 * `hit` and `stampede`: they are added; `effect4` runs the Effect 4 line's hit path and stampede, and sets them beside this line's `hit` and `stampede`
 * in section F).
 */
import { readFileSync } from "node:fs"
import * as os from "node:os"
import type { Effect4Figures } from "./effect4.js"
import { runEffect4Bench } from "./effect4.js"
import { FLEET, fleet } from "./fleet.js"
import type { CaseId, HitCase } from "./hit.js"
import { makeHitBench } from "./hit.js"
import { withSpinner } from "./load.js"
import { median, settings } from "./measure.js"
import { memory } from "./memory.js"
import { fmt, int, print, progress, ratioAgainst, table } from "./report.js"
import type { StampedeResult } from "./stampede.js"
import { medianWall, STAMPEDE, STAMPEDE_ROUNDS, stampedes, STUB_DELAY_MS } from "./stampede.js"
import { startStub } from "./stub.js"

// Fifteen minutes for the default run; a larger fleet (BENCH_FLEET_PROCESSES, BENCH_FLEET_HOURS) gets proportionally
// more.
const GUARD_SECONDS = Math.round(900 * Math.max(1, (FLEET.processes * FLEET.hours) / (1000 * 2)))

// A bug must not leave the process hanging: this timer does not keep it alive, it only fires if something else does.
// `process.exit` runs the `exit` handlers, so a spinner of section B is killed too.
setTimeout(() => {
  console.error(`bench: still running after ${GUARD_SECONDS} s; giving up`)
  process.exit(1)
}, GUARD_SECONDS * 1000).unref()

const sections = (() => {
  const all = ["hit", "load", "stampede", "effect4", "memory", "fleet"] as const
  const only = process.env["BENCH_ONLY"]?.split(",").map((s) => s.trim()).filter((s) => s !== "")
  const chosen = new Set<string>(only === undefined || only.length === 0 ? all : only)
  if (chosen.has("load")) chosen.add("hit")
  // E) sets the Effect 4 line beside this line's hit path and stampede: it needs both.
  if (chosen.has("effect4")) { for (const needed of ["hit", "stampede"]) chosen.add(needed) }
  return chosen
})()

const versions = (): string => {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    readonly dependencies: Readonly<Record<string, string>>
  }
  return ["effect", "@aws-lambda-powertools/parameters", "@aws-sdk/client-secrets-manager"]
    .map((name) => `${name} ${manifest.dependencies[name] ?? "?"}`)
    .join(", ")
}

type Measured = ReadonlyMap<CaseId, ReadonlyArray<number>>

const spread = (values: ReadonlyArray<number>) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`

const goals = (figures: Measured, when: string): Array<string> => {
  const m = (id: CaseId) => median(figures.get(id) ?? [Number.NaN])
  return [
    `Goals (${when}, medians of this run):`,
    "",
    ...table(["Ratio", "`getString` built each iteration", "`getString` built once"], "lrr", [
      [
        "read / Powertools warm `provider.get`",
        ratioAgainst(m("getStringFresh") / m("powertools"), 0.5),
        ratioAgainst(m("getStringBuiltOnce") / m("powertools"), 0.5)
      ],
      [
        "read / floor `Map.get` + monotonic clock",
        ratioAgainst(m("getStringFresh") / m("floorMap"), 3),
        ratioAgainst(m("getStringBuiltOnce") / m("floorMap"), 3)
      ]
    ]),
    ""
  ]
}

// Each case warms up once, then the timed rounds are interleaved (round 1 of every case, then round 2, ...), so a
// change in the machine's load during the section weighs on every case alike and the ratios stay fair.
const runCases = async (cases: ReadonlyArray<HitCase>): Promise<Map<CaseId, ReadonlyArray<number>>> => {
  const figures = new Map<CaseId, Array<number>>(cases.map((c) => [c.id, []]))
  for (const c of cases) {
    progress(`warm-up: ${c.label}`)
    await c.run({ ...c.sizes, rounds: 0 })
  }
  for (let round = 0; round < settings.rounds; round++) {
    progress(`round ${round + 1} of ${settings.rounds} over ${cases.length} cases`)
    for (const c of cases) figures.get(c.id)!.push(...(await c.run({ ...c.sizes, rounds: 1, warmup: 0 })))
  }
  return figures
}

const stampedeTable = (results: ReadonlyArray<StampedeResult>): Array<string> => {
  const floor = results.find((r) => r.id === "floorDeferred")
  const floorMs = floor === undefined ? Number.NaN : medianWall(floor)
  const byId = (id: StampedeResult["id"]) => results.find((r) => r.id === id)
  const ratioOf = (id: StampedeResult["id"]) => {
    const r = byId(id)
    return r === undefined ? Number.NaN : medianWall(r) / floorMs
  }
  return [
    `### C) Cold stampede: ${int(STAMPEDE)} concurrent gets of one uncached key`,
    "",
    `The store answers after ${STUB_DELAY_MS} ms: the loopback stub for the SDK rows, a sleep for the in-memory ` +
    `store. ${STAMPEDE_ROUNDS} rounds per case (a new cold key each round), interleaved across cases, except Powertools ` +
    "(one round, last); median wall time.",
    "",
    ...table(
      ["Case", "store calls per round", "median wall (ms)", "min–max", "vs floor", "failed gets", "notes"],
      "lrrrrrl",
      results.map((r) => [
        r.label,
        r.storeCalls === undefined ? "—" : r.storeCalls.map((n) => int(n)).join(", "),
        fmt(medianWall(r)),
        spread(r.wallMs),
        `${fmt(medianWall(r) / floorMs, 2)}×`,
        int(r.failed),
        r.note
      ])
    ),
    "",
    `- Goal, ours / floor (10,000 fibers on one \`Deferred\`): in-memory store ${
      ratioAgainst(ratioOf("coreMemory"), 1.3)
    }; ` +
    `over the AWS SDK and loopback HTTP ${ratioAgainst(ratioOf("coreSdk"), 1.3)} (the floor has no HTTP, so this ` +
    "row also carries one SDK request's cost); Powertools " + `${fmt(ratioOf("powertools"), 2)}×.`,
    "- The old floor (10,000 `Effect.sleep`s) is kept as a row: it times 10,000 timers rather than one shared wait, " +
    "so it is not the goal's denominator.",
    "- Each SDK client is warmed with one request for another key first, so client start-up is not timed. The SDK's " +
    "default of 50 keep-alive sockets per client stays in place, so Powertools' 10,000 requests queue on it.",
    ""
  ]
}

// F) Both lines side by side: each line's figures and ratios come from its own process (same stub, same Powertools).
const bothLines = (
  hit: Measured | undefined,
  stampede: ReadonlyArray<StampedeResult> | undefined,
  four: Effect4Figures
): Array<string> => {
  const m3 = (id: CaseId) => (hit === undefined ? Number.NaN : median(hit.get(id) ?? [Number.NaN]))
  const m4 = (id: string) => median(four.hit?.[id]?.values ?? [Number.NaN])
  const hitRow = (label: string, id3: CaseId, id4: string) => [
    label,
    fmt(m3(id3)),
    `${fmt(m3(id3) / m3("powertools"), 3)}×`,
    fmt(m4(id4)),
    `${fmt(m4(id4) / m4("powertools"), 3)}×`
  ]
  const w3 = (id: StampedeResult["id"]) => {
    const r = stampede?.find((x) => x.id === id)
    return r === undefined ? Number.NaN : medianWall(r)
  }
  const w4 = (id: string) => median(four.stampede?.[id]?.wallMs ?? [Number.NaN])
  const calls4 = (id: string) => (four.stampede?.[id]?.storeCalls ?? []).map((n) => int(n)).join(", ") || "—"
  const calls3 = (id: StampedeResult["id"]) =>
    stampede?.find((x) => x.id === id)?.storeCalls?.map((n) => int(n)).join(", ") ?? "—"
  const stampedeRow = (label: string, id: "coreMemory" | "coreSdk" | "floorDeferred") => [
    label,
    fmt(w3(id)),
    `${fmt(w3(id) / w3("floorDeferred"), 2)}×`,
    calls3(id),
    fmt(w4(id)),
    `${fmt(w4(id) / w4("floorDeferred"), 2)}×`,
    calls4(id)
  ]
  return [
    "### F) The Effect 3 and Effect 4 lines side by side",
    "",
    `The Effect 4 line (\`@effect-secrets/core\` 1.x on effect ${four.effect}) ran in its own process on Node ` +
    `${four.node} (packages/effect4/bench), with its own Powertools and floor rows; this process is the Effect 3 ` +
    `line on Node ${process.version}. Each ratio is taken within one process, so compare ratios, not ns across lines.`,
    "",
    ...table(["Hit path (ns/op, median)", "Effect 3", "/ Powertools", "Effect 4", "/ Powertools"], "lrrrr", [
      hitRow("`yield* secrets.getString(\"db\")`, built each iteration", "getStringFresh", "getStringFresh"),
      hitRow("`yield* read`, built once", "getStringBuiltOnce", "getStringBuiltOnce"),
      hitRow("`yield* secrets.get(\"db\")`", "get", "get"),
      hitRow("`yield* secrets.getJson(\"db\", Credentials)`", "getJson", "getJson"),
      hitRow("floor: `yield* Effect.succeed(x)`", "floorSucceed", "floorSucceed"),
      hitRow("floor: `map.get` + monotonic clock", "floorMap", "floorMap"),
      hitRow("Powertools `await provider.get(\"db\")` (warm)", "powertools", "powertools")
    ]),
    "",
    ...table(
      [
        `Cold stampede, ${int(STAMPEDE)} gets (median wall ms)`,
        "Effect 3",
        "/ floor",
        "store calls",
        "Effect 4",
        "/ floor",
        "store calls"
      ],
      "lrrrrrr",
      [
        stampedeRow(`over an in-memory store that sleeps ${STUB_DELAY_MS} ms`, "coreMemory"),
        stampedeRow("over `AwsSecretStore` + AWS SDK v3 → loopback stub", "coreSdk"),
        stampedeRow("floor: one `Deferred` awaited by every fiber", "floorDeferred")
      ]
    ),
    "",
    `- Powertools' stampede (no deduplication: one SDK call per caller) is section C's row: ${
      fmt(w3("powertools"))
    } ms, ${calls3("powertools")} calls.`,
    ""
  ]
}

const main = async () => {
  const cpus = os.cpus()
  const started = process.hrtime.bigint()
  print([
    "## Benchmark: `@effect-secrets/core` vs Powertools `SecretsProvider`",
    "",
    `- Machine: ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${os.platform()} ${os.arch()}, ` +
    `Node ${process.version}; load average at start ${os.loadavg().map((l) => fmt(l, 2)).join(", ")}`,
    `- Packages: ${versions()}`,
    `- Hit path: ${int(settings.warmup)} warm-up operations, then ${settings.rounds} rounds of ` +
    `${int(settings.iterations)} (fewer for cases that cost microseconds: see ops/round); median ns/op (min–max over ` +
    "the rounds). All in one process.",
    "- Compare rows of the same run, not runs: the figures depend on the machine and whatever else it is running.",
    ""
  ])

  const stub = await startStub()
  let quietHit: Measured | undefined
  let stampedeResults: ReadonlyArray<StampedeResult> | undefined
  try {
    if (sections.has("hit")) {
      const bench = await makeHitBench(stub)
      try {
        const quiet = await runCases(bench.cases)
        quietHit = quiet
        const reference = median(quiet.get("getStringFresh")!)
        const floor = median(quiet.get("floorMap")!)
        print([
          "### A) Hit path: warm cache, fresh entry (ns/op, lower is better)",
          "",
          "One `Effect.runPromise` runs each loop in a single fiber. The service is `SecretsService.layer({ " +
          "timeToLive: 1 hour, refreshAhead: 1 })` over an in-memory store, so every timed read is a hit. Each case " +
          "warms up, then the timed rounds are interleaved across cases (round 1 of each, then round 2, ...).",
          "",
          ...table(
            ["Case", "median ns/op", "min–max", "vs `getString` (built each iteration)", "vs `Map` floor", "ops/round"],
            "lrrrrr",
            bench.cases.map((c) => {
              const values = quiet.get(c.id)!
              const m = median(values)
              return [
                c.label,
                fmt(m),
                spread(values),
                `${fmt(m / reference, 2)}×`,
                `${fmt(m / floor, 2)}×`,
                int(c.sizes.iterations)
              ]
            })
          ),
          "",
          ...(await bench.notes()).map((note) => `- ${note}`),
          "",
          ...goals(quiet, "quiet")
        ])

        if (sections.has("load")) {
          const loadedIds: ReadonlyArray<CaseId> = ["getStringFresh", "getStringBuiltOnce", "powertools", "floorMap"]
          const loaded = await withSpinner(() => runCases(bench.cases.filter((c) => loadedIds.includes(c.id))))
          print([
            "### B) Hit path under load: a second process spinning on one core",
            "",
            "`node -e \"for(;;){}\"` is spawned at the start of this section and killed at its end (and on any exit). " +
            "Quiet figures are section A's, from the same run; rounds are interleaved here too.",
            "",
            ...table(
              ["Case", "quiet median ns/op", "loaded median ns/op", "loaded min–max", "loaded / quiet"],
              "lrrrr",
              loadedIds.map((id) => {
                const c = bench.cases.find((x) => x.id === id)!
                const q = median(quiet.get(id)!)
                const l = median(loaded.get(id)!)
                return [c.label, fmt(q), fmt(l), spread(loaded.get(id)!), `${fmt(l / q, 2)}×`]
              })
            ),
            "",
            ...goals(loaded, "under load")
          ])
        }
      } finally {
        await bench.close()
      }
    }

    if (sections.has("stampede")) {
      stampedeResults = await stampedes(stub)
      print(stampedeTable(stampedeResults))
    }
  } finally {
    await stub.close()
  }

  if (sections.has("memory")) {
    const m = await memory()
    const overhead = m.serviceBytes
    print([
      `### D) Memory: bytes per cached entry at ${int(m.entries)} entries (capacity ${int(m.entries)})`,
      "",
      "`process.memoryUsage().heapUsed` after two forced full collections (`--expose_gc` set at run time). The " +
      "secrets are realistic database credentials (JSON of 4 fields, ~130 characters) with their ARN, version id and " +
      "stage, every string distinct. They are first held in a plain array (their own bytes); then one " +
      "`SecretsService` over a store that hands out those very objects loads all of them (the service's bytes).",
      "",
      ...table(["Figure", "bytes per entry"], "lr", [
        ["the secret's own bytes, measured (a plain array of the same `SecretValue`s)", int(m.secretBytes)],
        [
          "the secret's own bytes, estimated (UTF-16, 2 bytes per character of value and metadata strings)",
          int(m.secretUtf16Bytes)
        ],
        ["total per cached entry (own bytes measured + the service's)", int(m.secretBytes + overhead)],
        [`overhead per entry beyond the secret's own bytes: ${ratioAgainst(overhead / 1024, 1, " KiB")}`, int(overhead)]
      ]),
      "",
      `- The service held ${int(m.size)} entries, ${
        int(m.evictions)
      } evicted. V8 stores these ASCII strings one byte ` +
      "per character, so the measured own bytes can be below the UTF-16 estimate.",
      `- Heap growth under churn (as \`packages/core/test/memory.test.ts\`: 100 readers over 10,000 keys at capacity ` +
      `${int(m.churn.capacity)}, loads always overlapping): ${fmt(m.churn.grown / m.churn.loads, 1)} bytes per load ` +
      `(${int(m.churn.grown)} bytes over ${int(m.churn.loads)} loads; a leak of the in-flight table grew ~350).`,
      ""
    ])
  }

  if (sections.has("fleet")) await fleet()

  if (sections.has("effect4")) {
    const four = await runEffect4Bench(["hit", "stampede"].filter((s) => sections.has(s)))
    print(bothLines(quietHit, stampedeResults, four))
  }

  progress(`done in ${fmt(Number(process.hrtime.bigint() - started) / 1e9, 1)} s (fleet: ${FLEET.processes} processes)`)
}

main().catch((error: unknown) => {
  console.error("bench failed:", error)
  process.exitCode = 1
})
