#!/usr/bin/env bash
# Runs every test: the README's test command (`npm test`) and CI's (.ci/run) both end here.
#   1. the release napi build, and a check that it left the committed native.js/native.d.ts as they were
#   2. cargo test for the Rust crates (protocol, core, emulator)
#   3. Jest over the real addon and the emulator, in __test__/ (and the README's Jest example)
#   4. node --test on the README's ESM endpoint examples (API mode and browser mode) and on the
#      Payload plugin (ory-otc/payload)
#   5. tsc on a typed usage file that switches over every result status, and on the plugin's outcome table
#   6. the Payload 3 example: migrate, next build, next start, end-to-end and in-process suites;
#      then the stock Payload app (examples/payload-stock): next build with webpack and Turbopack,
#      a member's attack under next start on PostgreSQL and SQLite (ORY_OTC_SKIP_PAYLOAD=1 skips both)
# Installs and builds what is missing first (scripts/setup.sh; SKIP_BUILD=1 reuses a build).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

source scripts/setup.sh
step "generated bindings are committed as built"
if ! git diff --exit-code -- native.js native.d.ts packages/emulator/native.js packages/emulator/native.d.ts; then
  echo "native.js/native.d.ts (of ory-otc or packages/emulator) changed when built: run 'npm run build' and commit them." >&2
  exit 1
fi

step "cargo test"
cargo_log=$(mktemp)
trap 'rm -f "$cargo_log"' EXIT
cargo test --workspace --quiet 2>&1 | tee "$cargo_log"
# cargo test passes when it finds no test at all; a suite that vanished must fail here.
cargo_passed=$({ grep -Eo 'test result: ok\. [0-9]+ passed' "$cargo_log" || true; } | awk '{ n += $4 } END { print n + 0 }')
if [ "$cargo_passed" -eq 0 ]; then
  echo "cargo test ran no test" >&2
  exit 1
fi
echo "cargo test: $cargo_passed passed"

step "jest"
npx jest --ci

step "node --test (the README's endpoints, as written; the Payload plugin)"
node --test examples/readme/*.test.mjs __test__/*.test.mjs

step "tsc (types)"
npx tsc -p __test__/types/tsconfig.json

skipped=()
if [ "${ORY_OTC_SKIP_PAYLOAD:-0}" != 1 ]; then
  step "the Payload example, installed from the packed tarballs (examples/payload-subscribe)"
  npm run --silent pack -- --dev
  bash examples/payload-subscribe/run-ci.sh
  step "a stock Payload app (collections without access) with the plugin: what a member may not do (examples/payload-stock)"
  node examples/payload-stock/run-ci.mjs
else
  step "the Payload example: SKIPPED (ORY_OTC_SKIP_PAYLOAD=1)"
  skipped+=("the Payload examples (examples/payload-subscribe, examples/payload-stock), skipped by ORY_OTC_SKIP_PAYLOAD=1")
fi

echo
if [ "${#skipped[@]}" -eq 0 ]; then
  echo "all tests passed"
else
  # Not "all": a skipped suite is not a passed one.
  echo "the tests that ran passed; ${#skipped[@]} suite(s) skipped:"
  printf '  - %s\n' "${skipped[@]}"
fi
