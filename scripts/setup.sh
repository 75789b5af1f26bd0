# Sourced by scripts/demo.sh and scripts/test.sh: installs the npm packages when they are
# missing or stale, and builds the addon (cargo rebuilds only what changed).
#   ORY_OTC_PROFILE=debug   build without optimisations (faster to compile)
#   SKIP_BUILD=1            use the existing build

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi
for tool in node npm cargo; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool is not installed (need Node.js >= 18.17 and Rust)" >&2; exit 1; }
done

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  if [ "${ORY_OTC_PROFILE:-release}" = debug ]; then
    echo "== napi build (debug)"
    npm run --silent build:debug
  else
    echo "== napi build (release)"
    npm run --silent build
  fi
fi
