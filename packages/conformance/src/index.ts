/**
 * `@effect-secrets/conformance`: the cache rules as a naive model, the commands that drive a cache runtime, and the
 * properties every run keeps. The policy harness and each Effect shell run the same generated sequences.
 */
export * as Commands from "./Commands.js"
export * as Counterexamples from "./Counterexamples.js"
export * as Driver from "./Driver.js"
export * as Model from "./Model.js"
export * as Observation from "./Observation.js"
export * as Properties from "./Properties.js"
export * as Run from "./Run.js"
