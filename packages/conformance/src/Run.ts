/**
 * fast-check wiring: each command runs against the model and the runtime, their observations must agree, and the
 * properties must hold. A failure names the command, the differences, and (through fast-check) the seed and the
 * shrunk command list; `replay` runs such a list again as a plain test.
 */
import * as fc from "fast-check"
import type { Command, Outcome, RunOptions, Vocabulary } from "./Commands.js"
import { command, outcomes, runOptions, show } from "./Commands.js"
import type { AsyncDriver, Driver, MakeDriver } from "./Driver.js"
import type { Deviation } from "./Model.js"
import { Model } from "./Model.js"
import type { Observation } from "./Observation.js"
import { differences } from "./Observation.js"
import type { PropertyName } from "./Properties.js"
import * as Properties from "./Properties.js"

/** What a run checks: the properties (all by default), and the deviations the model follows. */
export interface Checks {
  readonly properties?: ReadonlySet<PropertyName> | undefined
  readonly deviations?: ReadonlySet<Deviation> | undefined
}

const compare = (
  model: Model,
  step: Command,
  prior: Properties.Before,
  expected: Observation,
  actual: Observation,
  checks: Checks
) => {
  const diff = differences(expected, actual)
  if (diff.length > 0) {
    throw new Error(`after ${show(step)} the runtime disagrees with the model:\n  ${diff.join("\n  ")}`)
  }
  Properties.check(model, step, prior, actual, checks.properties)
}

export class Step implements fc.Command<Model, Driver> {
  constructor(readonly command: Command, readonly checks: Checks) {}
  check(model: Readonly<Model>): boolean {
    return model.canRun(this.command)
  }
  run(model: Model, driver: Driver): void {
    const prior = Properties.before(model)
    const expected = model.run(this.command)
    compare(model, this.command, prior, expected, driver.run(this.command), this.checks)
  }
  toString(): string {
    return show(this.command)
  }
}

export class AsyncStep implements fc.AsyncCommand<Model, AsyncDriver> {
  constructor(readonly command: Command, readonly checks: Checks) {}
  check(model: Readonly<Model>): boolean {
    return model.canRun(this.command)
  }
  async run(model: Model, driver: AsyncDriver): Promise<void> {
    const prior = Properties.before(model)
    const expected = model.run(this.command)
    compare(model, this.command, prior, expected, await driver.run(this.command), this.checks)
  }
  toString(): string {
    return show(this.command)
  }
}

/** How a run's commands are generated. */
export interface Generation {
  readonly vocabulary?: Vocabulary | undefined
  readonly maxCommands?: number | undefined
  readonly options?: fc.Arbitrary<RunOptions> | undefined
  readonly outcomes?: fc.Arbitrary<Outcome> | undefined
}

/** The options of a run, and its commands. */
export const scenario = <C extends fc.Command<Model, Driver> | fc.AsyncCommand<Model, AsyncDriver>>(
  generation: Generation,
  wrap: (command: Command) => C
): fc.Arbitrary<[RunOptions, Iterable<C>]> =>
  (generation.options ?? runOptions()).chain((options) =>
    fc.tuple(
      fc.constant(options),
      fc.commands(
        [command(options, generation.vocabulary, generation.outcomes).map(wrap)] as Array<
          fc.Arbitrary<fc.Command<Model, Driver>>
        >,
        {
          maxCommands: generation.maxCommands ?? 40,
          size: "max"
        }
      ) as unknown as fc.Arbitrary<Iterable<C>>
    )
  )

/** The property for a synchronous runtime. */
export const property = (make: MakeDriver, generation: Generation = {}, checks: Checks = {}) =>
  fc.property(scenario(generation, (c) => new Step(c, checks)), ([options, commands]) => {
    fc.modelRun(() => ({ model: new Model(options, checks.deviations), real: make(options) }), commands)
  })

/**
 * Gives a body a fresh asynchronous runtime for one run, and ends it after (an Effect shell builds its layer, runs the
 * body inside, and closes its scope).
 */
export type WithAsyncDriver = (options: RunOptions, body: (driver: AsyncDriver) => Promise<void>) => Promise<void>

/** The property for an asynchronous runtime. */
export const asyncProperty = (withDriver: WithAsyncDriver, generation: Generation = {}, checks: Checks = {}) =>
  fc.asyncProperty(
    scenario(generation, (c) => new AsyncStep(c, checks)),
    ([options, commands]) =>
      withDriver(
        options,
        (driver) => fc.asyncModelRun(() => ({ model: new Model(options, checks.deviations), real: driver }), commands)
      )
  )

/** Runs a recorded command list against a runtime (commands that cannot run, like a `Complete` with no call, skip). */
export const replay = (
  make: MakeDriver,
  options: RunOptions,
  commands: ReadonlyArray<Command>,
  checks: Checks = {}
) => {
  const model = new Model(options, checks.deviations)
  const driver = make(options)
  for (const c of commands) if (model.canRun(c)) new Step(c, checks).run(model, driver)
}

export const replayAsync = (
  withDriver: WithAsyncDriver,
  options: RunOptions,
  commands: ReadonlyArray<Command>,
  checks: Checks = {}
): Promise<void> =>
  withDriver(options, async (driver) => {
    const model = new Model(options, checks.deviations)
    for (const c of commands) if (model.canRun(c)) await new AsyncStep(c, checks).run(model, driver)
  })

/**
 * Runs aimed at one property each: its commands and outcomes weighted to reach what it is about. Every property is
 * still checked on every run of `property`; these add runs where each is most likely to break.
 */
export const focused: { readonly [P in PropertyName]: Generation } = {
  // Time moving across TTLs and maxStale while loads fail transiently, with jitter and the start-up spread on.
  ttl: {
    vocabulary: { read: 8, burst: 1, advance: 6, complete: 6, refresh: 1, prefetch: 1 },
    outcomes: outcomes({ success: 3, transient: 4, revocation: 0, defect: 1 }),
    options: runOptions({ jitter: fc.constantFrom(0.25, 0.5) })
  },
  revocation: {
    vocabulary: { read: 8, burst: 1, advance: 3, complete: 6, refresh: 2, prefetch: 1 },
    outcomes: outcomes({ success: 3, transient: 2, revocation: 3, defect: 1 })
  },
  // Many ways to start a load at once: bursts, refreshes, refresh-ahead, prefetch, loads superseded by invalidation.
  oneCallInFlight: {
    vocabulary: { read: 4, burst: 4, advance: 3, complete: 4, invalidate: 2, refresh: 3, forceRefresh: 2, prefetch: 3 },
    options: runOptions({ refreshAhead: fc.constantFrom(0.25, 0.5) })
  },
  burst: {
    vocabulary: { read: 2, burst: 8, advance: 4, complete: 6, invalidate: 2 }
  },
  backoff: {
    vocabulary: { read: 8, burst: 2, advance: 6, complete: 6 },
    outcomes: outcomes({ success: 1, transient: 4, revocation: 2, defect: 2 })
  },
  // Capacity pressure: every key, often, against capacity 2 to 4.
  lru: {
    vocabulary: { read: 8, burst: 1, advance: 1, complete: 4, refresh: 2, forceRefresh: 1, prefetch: 2 }
  },
  // Invalidations and evictions while loads are in flight.
  generations: {
    vocabulary: { read: 6, burst: 2, advance: 2, complete: 6, invalidate: 4, refresh: 2, prefetch: 2 }
  }
}
