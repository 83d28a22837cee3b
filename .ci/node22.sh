#!/usr/bin/env bash
# Runs a command on Node >= 22.19, which the Effect 4 line needs: this Node if it is recent enough, else the
# registry's node@22 (through npx, put first on PATH). Used by `pnpm demo:effect4` and `pnpm bench`'s Effect 4 half.
set -euo pipefail
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'; then
  exec "$@"
fi
node22=$(npx -y --loglevel=error -p node@22 -- bash -c 'command -v node' | tail -1)
PATH="$(dirname "$node22"):$PATH" exec "$@"
