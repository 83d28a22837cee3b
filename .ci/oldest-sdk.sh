#!/usr/bin/env bash
# The aws package's suite, unmodified, against the oldest @aws-sdk/client-secrets-manager its peer range claims: a
# copy of the workspace (outside it, without node_modules and dist) with a pnpm override of the SDK everywhere.
# Older SDKs fail the suite (3.925.0 and older accept a numeric SecretString in a batch answer; before ~3.700
# test helpers import @smithy/core/config, which did not exist), so the range cannot claim them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
range=$(node -p 'require(process.argv[1]).peerDependencies["@aws-sdk/client-secrets-manager"]' "$root/packages/aws/package.json")
oldest=$(echo "$range" | sed -E 's/^(\^|~|>=)//; s/ .*//')
copy=$(mktemp -d "${TMPDIR:-/tmp}/effect-secrets-oldest-sdk.XXXXXX")
trap 'rm -rf "$copy"' EXIT
(cd "$root" && tar --exclude=node_modules --exclude=dist --exclude=.git -cf - .) | tar -C "$copy" -xf -
node -e '
  const fs = require("fs")
  const file = process.argv[1] + "/package.json"
  const manifest = JSON.parse(fs.readFileSync(file, "utf8"))
  manifest.pnpm = { ...manifest.pnpm, overrides: { ...manifest.pnpm?.overrides, "@aws-sdk/client-secrets-manager": process.argv[2] } }
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2))
' "$copy" "$oldest"
cd "$copy"
echo "::: the aws suite on @aws-sdk/client-secrets-manager@$oldest (peer range $range)"
npx -y pnpm@10 install --no-frozen-lockfile >install.log 2>&1 || { tail -30 install.log; exit 1; }
installed=$(ls node_modules/.pnpm | grep -oE '^@aws-sdk\+client-secrets-manager@[0-9.]+' | sort -u)
[ "$installed" = "@aws-sdk+client-secrets-manager@$oldest" ] || { echo "installed $installed, not $oldest"; exit 1; }
npx vitest run --project aws
