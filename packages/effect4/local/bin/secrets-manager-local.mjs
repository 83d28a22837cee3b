#!/usr/bin/env node
// Runs the built CLI (dist/bin.js). In the workspace, where sources run through tsx, use the package's start script.
import { existsSync } from "node:fs"

const built = new URL("../dist/bin.js", import.meta.url)

if (existsSync(built)) {
  await import(built.href)
} else {
  process.stderr.write(
    "secrets-manager-local: dist/bin.js is not built.\n" +
      "Build it with `pnpm --dir packages/effect4 --filter @effect-secrets/local build`, or run the sources with\n" +
      "`pnpm --dir packages/effect4 --filter @effect-secrets/local start -- --port N [--seed file.json]`.\n"
  )
  process.exitCode = 1
}
