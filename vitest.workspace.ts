// vitest 3.2 still reads a workspace file; each Effect 3 package and example brings its own vitest.config.ts. The Effect 4
// line (packages/effect4, examples/effect4-*) runs on vitest 5 from its own workspace: `pnpm test` runs both.
export default [
  "packages/*/vitest.config.ts",
  "!packages/effect4/**",
  "examples/*/vitest.config.ts",
  "!examples/effect4-*/**"
]
