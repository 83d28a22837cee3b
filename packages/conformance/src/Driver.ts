/**
 * What a runtime under test implements: it runs a command and shows what a test can see. The policy harness is
 * synchronous; the Effect shells answer with a `Promise` (each command runs through their runtime).
 */
import type { Command, RunOptions } from "./Commands.js"
import type { Observation } from "./Observation.js"

export interface Driver {
  readonly run: (command: Command) => Observation
}

export interface AsyncDriver {
  readonly run: (command: Command) => Promise<Observation>
}

/** Builds a fresh runtime for one run. */
export type MakeDriver = (options: RunOptions) => Driver
