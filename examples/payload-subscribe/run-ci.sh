#!/usr/bin/env bash
# CI for examples/payload-subscribe: install, build, and run both suites against the ory-otc
# tarballs that the root build wrote to ../../dist (`npm run pack` at the repository root).
#
# Run with: bash examples/payload-subscribe/run-ci.sh     (from anywhere; about 3 minutes here)
#   ORY_OTC_DIST=/dir   take the tarballs from elsewhere
#
# Exits non-zero when a step fails, when the addon tarballs are missing, or when a suite ran no
# test. Ends with one line "payload-subscribe: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

export NEXT_TELEMETRY_DISABLED=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
step() { echo "== payload-subscribe: $* ($((SECONDS - started)) s)"; }

step "npm ci"
npm ci --no-audit --no-fund

step "install the addon from the tarballs"
node scripts/install-addon.mjs

# The build reads the config but opens no database and calls no Ory; both are set only so that
# nothing is created in the work tree.
step "next build"
PAYLOAD_SECRET=build-only DATABASE_URI="file:$work/build.db" npm run build

step "in-process suite (vitest, handleEndpoints, in-memory SQLite)"
npx vitest run --reporter=default --reporter=json --outputFile="$work/vitest.json"
read -r inproc_total inproc_failed < <(node -e '
  const r = require(process.argv[1]); console.log(r.numTotalTests, r.numFailedTests + r.numPendingTests)' "$work/vitest.json")

step "end-to-end suite (payload migrate, next start, emulator)"
E2E_REUSE_BUILD=1 node --test --test-reporter=spec test/e2e.test.mjs 2>&1 | tee "$work/e2e.log"
e2e_passed=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$work/e2e.log")
e2e_failed=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$work/e2e.log")

step "done"
if [[ -z "$e2e_passed" || "$e2e_passed" -eq 0 || "$inproc_total" -eq 0 ]]; then
  echo "payload-subscribe: a suite ran no test (in-process $inproc_total, end-to-end ${e2e_passed:-none})" >&2
  exit 1
fi
echo "payload-subscribe: $((inproc_total - inproc_failed + e2e_passed)) passed, $((inproc_failed + e2e_failed)) failed"
[[ "$inproc_failed" -eq 0 && "$e2e_failed" -eq 0 ]]
