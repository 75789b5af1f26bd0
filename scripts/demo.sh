#!/usr/bin/env bash
# `npm run demo`: installs and builds what is missing, then runs examples/demo.js, a full
# sign-up and sign-in against the embedded Kratos emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
node examples/demo.js
