// vitest 3.2 still reads a workspace file; each package and example brings its own vitest.config.ts.
export default ["packages/*/vitest.config.ts", "examples/*/vitest.config.ts"]
