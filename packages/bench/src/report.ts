/**
 * Markdown and ASCII output: numbers, tables, charts. The report goes to stdout; progress goes to stderr.
 */

export const progress = (message: string): void => {
  console.error(`… ${message}`)
}

export const print = (lines: ReadonlyArray<string>): void => {
  process.stdout.write(lines.join("\n") + "\n")
}

/** A number with `digits` decimals and thousands separators. */
export const fmt = (n: number, digits = 1): string =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : n > 0
    ? "∞"
    : "—"

export const int = (n: number): string => fmt(Math.round(n), 0)

/** A figure against an upper goal: `0.42× (goal ≤ 0.5×: met)`. */
export const ratioAgainst = (value: number, goal: number, unit = "×"): string =>
  `${fmt(value, 2)}${unit} (goal ≤ ${goal}${unit}: ${value <= goal ? "**met**" : "**not met**"})`

export const table = (header: ReadonlyArray<string>, align: string, rows: ReadonlyArray<ReadonlyArray<string>>) => [
  `| ${header.join(" | ")} |`,
  `| ${align.split("").map((a) => (a === "r" ? "---:" : "---")).join(" | ")} |`,
  ...rows.map((row) => `| ${row.join(" | ")} |`)
]

/**
 * A column chart in a fenced block: one column per value, `rows` rows from 0 to `top`. Values above `top` are
 * clipped and their column ends in `^`. `ticks` label the x axis: [column, text].
 */
export const chart = (
  values: ReadonlyArray<number>,
  options: {
    readonly rows: number
    readonly top: number
    readonly ticks: ReadonlyArray<readonly [number, string]>
    readonly unit: string
  }
): Array<string> => {
  const { rows, ticks, top, unit } = options
  const labels = Array.from({ length: rows }, (_, r) => {
    const level = rows - r
    return level === rows || level === Math.ceil(rows / 2) ? int((top * level) / rows) : ""
  })
  const width = Math.max(...labels.map((label) => label.length), 1)
  const lines: Array<string> = ["```text", `${" ".repeat(width)}  ${unit}`]
  for (let r = 0; r < rows; r++) {
    const level = rows - r
    const threshold = (top * (level - 0.5)) / rows
    const cells = values.map((v) => (v > top && level === rows ? "^" : v >= threshold ? "#" : " ")).join("")
    lines.push(`${labels[r]!.padStart(width)} |${cells}`.trimEnd())
  }
  lines.push(`${"0".padStart(width)} +${"-".repeat(values.length)}`)
  let axis = ""
  for (const [column, text] of ticks) {
    const at = width + 2 + column
    axis = axis.padEnd(at) + text
  }
  lines.push(axis, "```")
  return lines
}
