// `pnpm test`: the Effect 3 line on vitest 3.2 with this Node, then the Effect 4 line (packages/effect4, its own
// workspace) on vitest 5, which needs Node >= 22.19: on an older Node it runs on the registry's node@22 (.ci/node22.sh).
// The last line is vitest's own "Tests" line, summing both runs, so a reader (and .ci/run) sees one total.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const args = process.argv.slice(2)

// Runs a command with the output shown as it comes, and returns its exit code and vitest's last "Tests" line.
const run = (command, commandArgs, cwd) =>
  new Promise((resolve) => {
    let output = ""
    const child = spawn(command, commandArgs, { cwd, stdio: ["inherit", "pipe", "inherit"] })
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk)
      output += chunk.toString()
    })
    child.on("close", (code) => {
      const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((line) => /^ +Tests +/.test(line))
      const last = lines.at(-1) ?? ""
      const count = (word) => Number(last.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0)
      resolve({ code: code ?? 1, seen: last !== "", passed: count("passed"), failed: count("failed") })
    })
  })

const [major, minor] = process.versions.node.split(".").map(Number)
const modern = major > 22 || (major === 22 && minor >= 19)
const effect3 = await run(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, "run", ...args], root)
const vitest5 = [`${root}packages/effect4/node_modules/vitest/vitest.mjs`, "run", ...args]
const effect4 = modern
  ? await run(process.execPath, vitest5, `${root}packages/effect4`)
  : await run("bash", [`${root}.ci/node22.sh`, "node", ...vitest5], `${root}packages/effect4`)

const line = (name, result) =>
  `${name}: ${result.seen ? `${result.passed} passed, ${result.failed} failed` : "no result (the run failed)"}`
process.stdout.write(`\n${line("Effect 3 line (vitest 3.2, Node " + process.versions.node + ")", effect3)}\n`)
process.stdout.write(
  `${line("Effect 4 line (vitest 5, Node " + (modern ? process.versions.node : "22") + ")", effect4)}\n`
)
const passed = effect3.passed + effect4.passed
const failed = effect3.failed + effect4.failed + (effect3.seen ? 0 : 1) + (effect4.seen ? 0 : 1)
process.stdout.write(`      Tests  ${failed > 0 ? `${failed} failed | ` : ""}${passed} passed (${passed + failed})\n`)
process.exit(effect3.code === 0 && effect4.code === 0 && failed === 0 ? 0 : 1)
