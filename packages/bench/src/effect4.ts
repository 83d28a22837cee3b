/**
 * F) The Effect 4 line: packages/effect4/bench measures its hit path and stampede in its own process (Effect 4 and
 * vitest 5 need Node >= 22.19: on an older Node it runs on the registry's node@22, through .ci/node22.sh), against the same
 * loopback stub code and Powertools. Each line's ratios are taken within its own process; the table puts them side
 * by side with this process's figures.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { progress } from "./report.js"

export interface Effect4Figures {
  readonly node: string
  readonly effect: string
  readonly hit?: Readonly<Record<string, { readonly label: string; readonly values: ReadonlyArray<number> }>>
  readonly stampede?: Readonly<
    Record<string, {
      readonly label: string
      readonly wallMs: ReadonlyArray<number>
      readonly storeCalls: ReadonlyArray<number>
      readonly failed: number
    }>
  >
}

const dir = fileURLToPath(new URL("../../effect4/bench/", import.meta.url))

export const runEffect4Bench = (sections: ReadonlyArray<string>): Promise<Effect4Figures> => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  const modern = major > 22 || (major === 22 && minor >= 19)
  const tsx = fileURLToPath(new URL("../../effect4/node_modules/tsx/dist/cli.mjs", import.meta.url))
  const args = [tsx, "--conditions=@effect-secrets/source", "src/main.ts"]
  const node22 = fileURLToPath(new URL("../../../.ci/node22.sh", import.meta.url))
  const [command, commandArgs] = modern ? [process.execPath, args] : ["bash", [node22, "node", ...args]]
  progress(`Effect 4 line: ${modern ? `Node ${process.version}` : "node@22 from the registry"} in ${dir}`)
  return new Promise((resolve, reject) => {
    let out = ""
    const child = spawn(command, commandArgs, {
      cwd: dir,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, BENCH_ONLY: sections.join(",") }
    })
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.once("error", reject)
    child.once("close", (code) => {
      const line = out.trim().split("\n").at(-1) ?? ""
      if (code !== 0 || line === "") reject(new Error(`the Effect 4 bench exited with ${code}`))
      else resolve(JSON.parse(line) as Effect4Figures)
    })
  })
}
