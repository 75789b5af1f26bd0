#!/usr/bin/env bash
# Fuzzes ory-otc-core's response parser and classifiers with cargo-fuzz (libFuzzer).
#   scripts/fuzz.sh [seconds]      default 60; the corpus is seeded from tests/fixtures/
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; without nightly it
# tries the stable one with RUSTC_BOOTSTRAP=1. CI runs the same inputs as property tests on
# stable instead (`cargo test -p ory-otc-core fuzzing`, src/fuzzing.rs).
set -euo pipefail
cd "$(dirname "$0")/../crates/ory-otc-core"
seconds="${1:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
  exit 2
fi
if rustup run nightly rustc --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
else
  echo "fuzz: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi

# Seeds: each recorded answer behind a few headers (status 200/400/401/410, JSON).
corpus=fuzz/corpus/classify
mkdir -p "$corpus"
node -e '
  const fs = require("node:fs"), path = require("node:path")
  const [dir, out] = process.argv.slice(1)
  // answer_from_bytes: even first byte = index into its common statuses (0:200 5:400 6:401 9:410)
  for (const f of fs.readdirSync(dir)) {
    const body = fs.readFileSync(path.join(dir, f))
    for (const s of [0, 5, 6, 9]) {
      fs.writeFileSync(path.join(out, `${f}.${s}`), Buffer.concat([Buffer.from([s << 1, 0, 0, 1]), body]))
    }
  }' tests/fixtures "$corpus"

"${fuzz[@]}" run classify "$corpus" -- \
  -dict=fuzz/kratos.dict -max_len=65536 -max_total_time="$seconds" -print_final_stats=1
