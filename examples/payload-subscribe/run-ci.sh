#!/usr/bin/env bash
# CI for examples/payload-subscribe: install, type-check, build, and run the three suites against
# the ory-otc tarballs that the root build wrote to ../../dist (`npm run build && npm run pack -- --dev`
# at the repository root). Reads no stdin and needs no network beyond the npm registry and, when
# /usr/bin/chromium is missing, Debian's (it installs the `chromium` package for the browser suite).
#
# Run with: bash examples/payload-subscribe/run-ci.sh     (from anywhere; about 4 minutes here)
#   ORY_OTC_DIST=/dir   take the tarballs from elsewhere
#   CHROMIUM_PATH=/bin  the browser suite's Chromium (default /usr/bin/chromium, installed when missing)
#
# Always ends with one line "payload-subscribe: N passed, N failed". Exits non-zero when a step
# fails, when the tarballs are missing, when a test fails, or when a suite ran no test. Every
# server it started is stopped on the way out, also after a failure, a timeout or a signal.
set -uo pipefail
cd "$(dirname "$0")"
exec </dev/null

export NEXT_TELEMETRY_DISABLED=1
# The tools are called from node_modules/.bin, not through npx: under an outer `npm run` or
# `npm exec`, its npm_config_* variables reach a nested npx (`npm exec -c` makes it fail).
work=$(mktemp -d)
started=$SECONDS
passed=0
failed=0
ran_suites=0
status=0
child=''
server_pidfile="$work/next-start.pid"

log() { echo "== payload-subscribe: $* ($((SECONDS - started)) s)"; }
error() { echo "payload-subscribe: $*" >&2; status=1; }

# Stops the step that is running (its whole process group) and each `next start` of the e2e suite
# (each in its own process group, see test/e2e.test.mjs), then prints the summary.
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM -- "-$child" 2>/dev/null
    sleep 2
    kill -KILL -- "-$child" 2>/dev/null
  fi
  if [[ -s "$server_pidfile" ]]; then
    local pid
    # One line per server (the suite starts one per mode).
    while read -r pid; do
      kill -0 "$pid" 2>/dev/null || continue
      echo "payload-subscribe: stopping next start (pid $pid)" >&2
      kill -TERM -- "-$pid" 2>/dev/null
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -KILL -- "-$pid" 2>/dev/null
    done <"$server_pidfile"
  fi
  rm -rf "$work"
  [[ $rc -eq 0 ]] && rc=$status
  echo "payload-subscribe: $passed passed, $failed failed ($((SECONDS - started)) s)"
  exit "$rc"
}
trap cleanup EXIT
trap 'error "interrupted"; exit 130' INT
trap 'error "terminated"; exit 143' TERM

# Runs one step under a time limit. `timeout` makes the step the leader of its own process group,
# so cleanup() can stop it together with everything it started. Waiting in the background keeps
# the shell free to run the INT/TERM traps at once.
step() {
  local limit=$1
  shift
  timeout --kill-after=15 "$limit" "$@" &
  child=$!
  wait "$child"
  local rc=$?
  child=''
  [[ $rc -eq 124 ]] && echo "payload-subscribe: timed out after $limit s: $*" >&2
  return "$rc"
}

# A setup step that fails ends the run: nothing after it can pass.
setup() {
  local name=$1
  shift
  log "$name"
  step "$@" || { error "$name failed"; exit 1; }
}

# The browser suite drives Debian's Chromium: playwright-core downloads no browser of its own.
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x "$chromium" ]]; then
  setup "install chromium (apt-get)" 900 bash -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'
fi
[[ -x "$chromium" ]] || { error "no Chromium at $chromium"; exit 1; }
export CHROMIUM_PATH=$chromium

setup "npm ci" 900 npm ci --no-audit --no-fund
setup "install the addon from the tarballs" 300 node scripts/install-addon.mjs
setup "type check" 300 node_modules/.bin/tsc --noEmit
# Always a clean build, as on a fresh clone: once here, a build over a stale .next (other config,
# reinstalled node_modules) printed its route table and then never exited, its Turbopack cache
# write unfinished. The build reads the config but opens no database and calls no Ory; both are
# set only so that nothing is created in the work tree.
rm -rf .next
setup "next build" 900 env PAYLOAD_SECRET=build-only DATABASE_URI="file:$work/build.db" node_modules/.bin/next build

# Adds a suite's counts; a suite that reported nothing or ran no test is a failure.
count() {
  local suite=$1 total=$2 ok=$3
  if [[ -z "$total" || -z "$ok" ]]; then
    error "$suite: no test report (the suite crashed before reporting)"
    failed=$((failed + 1))
    return
  fi
  ran_suites=$((ran_suites + 1))
  passed=$((passed + ok))
  failed=$((failed + total - ok))
  echo "payload-subscribe: $suite: $ok of $total passed"
  [[ "$total" -eq 0 ]] && error "$suite ran no test"
  [[ "$ok" -ne "$total" ]] && status=1
  return 0
}

log "in-process suite (vitest, handleEndpoints, in-memory SQLite)"
step 600 node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile="$work/vitest.json" || status=1
read -r total ok < <(node -e '
  try { const r = require(process.argv[1]); console.log(r.numTotalTests, r.numPassedTests) } catch { console.log() }' \
  "$work/vitest.json")
count "in-process" "${total:-}" "${ok:-}"

log "end-to-end suite (payload migrate, next start, emulator)"
# The spec reporter for people, TAP for the counts. Skipped and cancelled tests count as failed.
E2E_REUSE_BUILD=1 E2E_SERVER_PIDFILE="$server_pidfile" step 600 node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$work/e2e.tap" \
  test/e2e.test.mjs || status=1
total=$(sed -n 's/^# tests \([0-9]*\)$/\1/p' "$work/e2e.tap" 2>/dev/null)
ok=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$work/e2e.tap" 2>/dev/null)
count "end-to-end" "$total" "$ok"

log "browser suite (the subscribe page in Chromium, next start, emulator)"
E2E_REUSE_BUILD=1 E2E_SERVER_PIDFILE="$server_pidfile" step 900 node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$work/browser.tap" \
  test/browser.test.mjs || status=1
total=$(sed -n 's/^# tests \([0-9]*\)$/\1/p' "$work/browser.tap" 2>/dev/null)
ok=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$work/browser.tap" 2>/dev/null)
count "browser" "$total" "$ok"

log "done"
