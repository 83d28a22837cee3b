/**
 * B) Load: a second Node process that spins on one core while some hit-path cases run again. It is killed when the
 * section ends, and on every other way out (an error, the time guard's `process.exit`, Ctrl-C).
 */
import type { ChildProcess } from "node:child_process"
import { spawn } from "node:child_process"
import { progress } from "./report.js"

const kill = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

/** Runs `body` while a `node -e "for(;;){}"` child spins; the child is gone when this settles. */
export const withSpinner = async <A>(body: () => Promise<A>): Promise<A> => {
  const child = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" })
  // `exit` handlers run synchronously on `process.exit` (the time guard) and on a normal end; signals end the bench.
  const onExit = () => kill(child)
  const onSignal = (signal: NodeJS.Signals) => {
    kill(child)
    process.exit(signal === "SIGINT" ? 130 : 143)
  }
  process.on("exit", onExit)
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve())
      child.once("error", reject)
    })
    // Let it get going (and get its core) before anything is timed.
    await new Promise((resolve) => setTimeout(resolve, 300))
    progress(`spinner pid ${child.pid} is running`)
    return await body()
  } finally {
    kill(child)
    process.off("exit", onExit)
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    progress(`spinner pid ${child.pid} stopped`)
  }
}
