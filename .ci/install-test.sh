#!/usr/bin/env bash
# The install test: the published packages as a user gets them. Builds, packs every published package with
# `pnpm pack` (which rewrites workspace: ranges), checks each tarball (its files, publint, attw), then in directories
# outside the workspace `npm install`s the tarballs with exact peers and runs .ci/install-test/*.ts with plain node
# (as .mjs and as .cjs through require) and tsc (NodeNext .ts and .cts, Bundler):
#   core-lowest  @effect-secrets/core alone on the lowest effect it claims
#   lowest       core + aws + local on the lowest peers all three accept together (local's floors are the highest)
#   aws-lowest   core + aws on aws's own lowest peers, against the packed local's bin started from `lowest`
#   newest       core + aws + local on the versions the workspace uses
#   effect4      the Effect 4 line (packages/effect4: core, aws, local at 1.x): built, packed and checked like the
#                others, then installed with the policy tarball of `pack` on effect 4 and run on Node >= 22 (the
#                registry's node@22 when this Node is older)
# The lowest versions are read from the packages' own ranges, so a range can only widen with a test that proves it.
# Usage: .ci/install-test.sh [step...]   (steps: pack core-lowest lowest aws-lowest newest; default: all, in order)
# INSTALL_TEST_DIR names the work directory (default: a new one under $TMPDIR, removed at the end unless it fails).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
programs="$root/.ci/install-test"
work=${INSTALL_TEST_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/effect-secrets-install.XXXXXX")}
mkdir -p "$work"
case "$work/" in "$root"/*) echo "the work directory must be outside the workspace" >&2; exit 2 ;; esac
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(pack core-lowest lowest aws-lowest newest effect4)

# Tools the checks run, at exact versions (attw 0.18.5 bundles a TypeScript that does not know require(esm): see
# the attw line below).
typescript=5.9.3
types_node=20.19.43
publint=0.3.25
attw=0.18.5

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

field() { # package-dir, JS expression over p (its package.json)
  node -e 'const p = require(process.argv[1] + "/package.json"); const v = ('"$2"'); process.stdout.write(String(v ?? ""))' "$root/$1"
}
# The lowest version a range admits: its first comparator ("^3.16.5", ">=0.84.9 <0.98.0" -> 3.16.5, 0.84.9).
floor() { echo "$1" | sed -E 's/^(\^|~|>=)//; s/ .*//'; }
# The highest of versions (semver order).
highest() { printf '%s\n' "$@" | sort -t. -k1,1n -k2,2n -k3,3n | tail -1; }

peer() { field "packages/$1" "p.peerDependencies?.[\"$2\"]"; }
dep() { field "packages/$1" "p.dependencies?.[\"$2\"]"; }
dev() { field "packages/$1" "p.devDependencies?.[\"$2\"]"; }

published=()
for dir in "$root"/packages/*/; do
  name=$(basename "$dir")
  [ "$(field "packages/$name" 'p.private === true')" = "true" ] || published+=("$name")
done
# The Effect 4 line's tarballs go to tarballs4 (same names, another major); TARBALLS picks the directory.
tarball() { ls "$work"/${TARBALLS:-tarballs}/effect-secrets-"$1"-*.tgz; }

pack() {
  echo "::: build"
  (cd "$root" && npx -y pnpm@10 -r build)
  rm -rf "$work/tarballs" && mkdir -p "$work/tarballs"
  for name in "${published[@]}"; do pack_one "packages/$name" "$name"; done
}

# pack_one DIR NAME: packs one package with pnpm into $work/${TARBALLS:-tarballs} and checks the tarball.
pack_one() {
    local name=$2
    echo "::: pack @effect-secrets/$name ($1)"
    (cd "$root/$1" && npx -y pnpm@10 pack --pack-destination "$work/${TARBALLS:-tarballs}" >/dev/null)
    local tgz files
    tgz=$(tarball "$name")
    files=$(tar -tzf "$tgz")
    # Nothing but the build, the sources without tests, the README, LICENSE, CHANGELOG, package.json (and local's bin).
    local allowed='^package/(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist/.+|src/.+)$'
    [ "$name" = local ] && allowed='^package/(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist/.+|src/.+|bin/.+)$'
    local stray
    stray=$(echo "$files" | grep -vE "$allowed" || true)
    stray+=$(echo "$files" | grep -E '\.test\.ts$|tsbuildinfo$' || true)
    [ -z "$stray" ] || fail "@effect-secrets/$name packs files it must not: $stray"
    for required in package/LICENSE package/README.md package/CHANGELOG.md package/dist/index.js package/dist/index.d.ts; do
      echo "$files" | grep -qx "$required" || fail "@effect-secrets/$name packs no $required"
    done
    if tar -xzOf "$tgz" package/package.json | grep -q '"workspace:'; then fail "@effect-secrets/$name keeps a workspace: range"; fi
    # Every package a built module imports must be declared by the tarball's package.json (a dependency or a peer):
    # the install projects put all our tarballs at the top level, where an undeclared import would still resolve.
    local undeclared
    undeclared=$(tar -xzOf "$tgz" package/package.json | node -e '
      const manifest = JSON.parse(require("node:fs").readFileSync(0, "utf8"))
      const declared = new Set([manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })])
      const { execSync } = require("node:child_process")
      const sources = execSync(`tar -xzOf ${process.argv[1]} --wildcards "package/dist/*.js"`, { maxBuffer: 1 << 28 })
      const specifiers = [...sources.toString().matchAll(/(?:from|import)\s*\(?\s*"([^".][^"]*)"/g)].map((m) => m[1])
      const packageOf = (s) => s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]
      const missing = new Set(specifiers.filter((s) => !s.startsWith("node:")).map(packageOf).filter((p) => !declared.has(p)))
      process.stdout.write([...missing].join(" "))
    ' "$tgz")
    [ -z "$undeclared" ] || fail "@effect-secrets/$name imports packages it does not declare: $undeclared"
    local unpacked
    unpacked=$(tar -tvzf "$tgz" | awk '{ s += $3 } END { print s }')
    echo "@effect-secrets/$name: $(wc -c <"$tgz") bytes packed, $unpacked unpacked, $(echo "$files" | wc -l) files"
    echo "::: publint @effect-secrets/$name"
    (cd "$work" && npx -y "publint@$publint" --strict "$tgz") || fail "publint @effect-secrets/$name"
    echo "::: attw @effect-secrets/$name"
    # node16 is the oldest resolution with exports maps; `cjs-resolves-to-esm` is ignored because our packages are ES
    # modules that Node >= 20.19 (our engines) loads with require(), which the TypeScript bundled in attw 0.18.5 does
    # not know (its node16-cjs check would flag every import). The .cts check below type-checks require with TS 5.9.
    local entry # one subpath module besides ".": "./*" is a wildcard attw cannot enumerate
    case $name in
      core) entry=SecretStore.ts ;;
      aws) entry=AwsSecrets.ts ;;
      local) entry=LocalSecretsManager.ts ;;
      *) entry=$(cd "$root/$1/src" && ls [A-Z]*.ts | head -1) ;;
    esac
    (cd "$work" && npx -y "@arethetypeswrong/cli@$attw" "$tgz" --profile node16 --ignore-rules cjs-resolves-to-esm \
      --include-entrypoints "./${entry%.ts}") || fail "attw @effect-secrets/$name"
}

# project NAME PROGRAM PACKAGES... -- SPECS...: an empty npm project with the tarballs and exact versions installed.
project() {
  local name=$1 program=$2 && shift 2
  local tarballs=() specs=()
  while [ "$1" != "--" ]; do tarballs+=("$(tarball "$1")") && shift; done
  shift
  specs=("$@")
  local dir="$work/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  echo '{ "name": "install-test", "private": true, "type": "module" }' >"$dir/package.json"
  echo "::: $name: npm install ${specs[*]}"
  local start=$SECONDS
  if ! (cd "$dir" && npm install --no-audit --no-fund --save-exact "${tarballs[@]}" "${specs[@]}" \
    "typescript@$typescript" "@types/node@${TYPES_NODE:-$types_node}" >install.log 2>&1); then
    tail -30 "$dir/install.log"
    fail "$name: npm install"
    return
  fi
  (cd "$dir" && npm ls --all --omit=dev >/dev/null 2>npm-ls.log) || {
    cat "$dir/npm-ls.log"
    fail "$name: npm ls (unmet or invalid dependencies)"
  }
  local ours
  ours=$(cd "$dir" && node -e 'for (const n of ["effect", "@effect/platform", "@effect/platform-node", "@aws-sdk/client-secrets-manager"]) { try { process.stdout.write(`${n}@${require(`./node_modules/${n}/package.json`).version} `) } catch {} }')
  echo "$name: installed in $((SECONDS - start))s: $ours"
  # The program three ways: ESM, CommonJS through require (its one-line imports rewritten), and TypeScript.
  cp "$programs/$program.ts" "$dir/program.ts"
  cp "$programs/$program.ts" "$dir/program.mjs"
  cp "$programs/$program.ts" "$dir/program.cts"
  sed -E 's/^import \{(.*)\} from ("[^"]+")$/const {\1} = require(\2)/' "$programs/$program.ts" >"$dir/program.cjs"
  if grep -q '^import ' "$dir/program.cjs"; then fail "$name: an import of $program.ts is not on one line"; fi
  for form in mjs cjs; do
    echo "::: $name: node program.$form"
    (cd "$dir" && node "program.$form") || fail "$name: node program.$form"
  done
  local lib=${TS_LIB:-'"ES2022"'}
  cat >"$dir/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "lib": [$lib], "types": ["node"],
    "strict": true, "exactOptionalPropertyTypes": true, "noEmit": true, "skipLibCheck": false
  },
  "files": ["program.ts", "program.cts"]
}
EOF
  cat >"$dir/tsconfig.bundler.json" <<'EOF'
{
  "extends": "./tsconfig.json",
  "compilerOptions": { "module": "ESNext", "moduleResolution": "Bundler" },
  "files": ["program.ts"]
}
EOF
  for config in tsconfig.json tsconfig.bundler.json; do
    echo "::: $name: tsc -p $config"
    (cd "$dir" && npx --no-install tsc -p "$config") || fail "$name: tsc -p $config"
  done
}

core_lowest() {
  local others=()
  for name in "${published[@]}"; do case $name in aws | local) ;; *) others+=("$name") ;; esac done
  project core-lowest core "${others[@]}" -- "effect@$(floor "$(peer core effect)")"
}

lowest() {
  local effect platform
  effect=$(highest "$(floor "$(peer core effect)")" "$(floor "$(peer aws effect)")" "$(floor "$(peer local effect)")")
  platform=$(highest "$(floor "$(peer aws @effect/platform)")" "$(floor "$(peer local @effect/platform)")")
  # npm takes the newest @effect/platform-node local's range admits, whose peers want the newest effect: a user on
  # an older effect installs the matching platform-node, as local's README says; this installs the range's floor.
  project lowest full "${published[@]}" -- "effect@$effect" "@effect/platform@$platform" \
    "@aws-sdk/client-secrets-manager@$(floor "$(peer aws @aws-sdk/client-secrets-manager)")" \
    "@effect/platform-node@$(floor "$(dep local @effect/platform-node)")"
}

aws_lowest() {
  local others=() server="$work/lowest/node_modules/@effect-secrets/local/bin/secrets-manager-local.mjs"
  for name in "${published[@]}"; do [ "$name" = local ] || others+=("$name"); done
  [ -f "$server" ] || { fail "aws-lowest: run the lowest step first (it provides the local endpoint)"; return; }
  mkdir -p "$work/aws-lowest-server"
  node -e 'process.stdout.write(JSON.stringify({
    "app/string": "string-value-1",
    "app/json": JSON.stringify({ user: "app", password: "json-password-1" }),
    "app/binary": { SecretBinary: Buffer.from([0, 1, 2, 254, 255]).toString("base64") }
  }))' >"$work/aws-lowest-server/seed.json"
  node "$server" --port 0 --seed "$work/aws-lowest-server/seed.json" >"$work/aws-lowest-server/log" 2>&1 &
  local pid=$! endpoint=""
  for _ in $(seq 1 100); do
    endpoint=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$work/aws-lowest-server/log" | head -1 || true)
    [ -n "$endpoint" ] && break
    sleep 0.1
  done
  if [ -z "$endpoint" ]; then
    cat "$work/aws-lowest-server/log"
    fail "aws-lowest: the local endpoint did not start"
  else
    export SECRETS_ENDPOINT=$endpoint
    project aws-lowest aws "${others[@]}" -- \
      "effect@$(floor "$(peer aws effect)")" "@effect/platform@$(floor "$(peer aws @effect/platform)")" \
      "@aws-sdk/client-secrets-manager@$(floor "$(peer aws @aws-sdk/client-secrets-manager)")"
  fi
  unset SECRETS_ENDPOINT
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

newest() {
  project newest full "${published[@]}" -- "effect@$(field . 'p.devDependencies.effect')" \
    "@effect/platform@$(dev aws @effect/platform)" "@aws-sdk/client-secrets-manager@$(dev aws @aws-sdk/client-secrets-manager)"
}

effect4() {
  echo "::: build (the Effect 4 line)"
  (cd "$root/packages/effect4" && npx -y pnpm@10 -r build)
  rm -rf "$work/tarballs4" && mkdir -p "$work/tarballs4"
  export TARBALLS=tarballs4
  for name in core aws local; do pack_one "packages/effect4/$name" "$name"; done
  # The shared policy is the one `pack` made: the Effect 4 packages depend on its published range.
  cp "$work"/tarballs/effect-secrets-policy-*.tgz "$work/tarballs4/" || fail "effect4: run the pack step first"
  local node22 dir_path
  node22=$(node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.stdout.write(a > 22 || (a === 22 && b >= 19) ? "yes" : "")')
  if [ -n "$node22" ]; then
    dir_path=$PATH
  else
    dir_path="$(dirname "$(npx -y -p node@22 -- bash -c 'command -v node' | tail -1)"):$PATH"
  fi
  # effect 4's own declarations name DOM types (CryptoKey, Storage): a project type-checking them needs lib DOM.
  PATH=$dir_path TYPES_NODE=22.19.0 TS_LIB='"ES2022", "DOM"' project effect4 full4 policy core aws local -- "effect@$(field packages/effect4 'p.devDependencies.effect')" \
    "@aws-sdk/client-secrets-manager@$(field packages/effect4/aws 'p.devDependencies["@aws-sdk/client-secrets-manager"]')"
  unset TARBALLS
}

for step in "${steps[@]}"; do
  start=$SECONDS
  case $step in
    pack) pack ;;
    core-lowest) core_lowest ;;
    lowest) lowest ;;
    aws-lowest) aws_lowest ;;
    newest) newest ;;
    effect4) effect4 ;;
    *) echo "unknown step $step" >&2 && exit 2 ;;
  esac
  echo "::: $step took $((SECONDS - start))s"
done

if [ "$failures" -eq 0 ]; then
  [ -n "${INSTALL_TEST_DIR:-}" ] || rm -rf "$work"
  echo "install test: all checks passed"
else
  echo "install test: $failures check(s) failed; the projects are in $work"
  exit 1
fi
