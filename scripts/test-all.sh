#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need, then runs every suite.
# Every stage runs even when an earlier one fails; the last line counts the tests.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh || exit 1
npm ci --no-audit --no-fund || { echo "npm ci failed"; exit 1; }

status=0
stage() {
  local name=$1
  shift
  echo
  echo "== $name: $*"
  local start=$SECONDS
  if "$@"; then
    echo "== $name: ok ($((SECONDS - start)) s)"
  else
    echo "== $name: FAILED ($((SECONDS - start)) s)"
    status=1
  fi
}

rm -rf test-results/vitest-*.json
stage typecheck npm run --silent typecheck
stage lint npm run --silent lint
stage format npx prettier --check --log-level warn .
stage build npx electron-vite build --logLevel warn
stage build-cli node scripts/build-cli.mjs
stage unit+integration npx vitest run --project shared --project main --reporter=default --reporter=json --outputFile.json=test-results/vitest-main.json
stage e2e npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json=test-results/vitest-e2e.json

node scripts/test-summary.mjs test-results/vitest-main.json test-results/vitest-e2e.json || status=1
exit $status
