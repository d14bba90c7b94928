#!/usr/bin/env bash
# The one command that takes a fresh clone to a full test run: installs what is missing, starts Postgres,
# Redis and Kafka on 127.0.0.1 (deploy/infra.sh), builds every app, then runs every test (npm test).
# Used by CI (.ci/run) exactly as a newcomer would use it: `npm run test:all`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v psql >/dev/null || need_apt+=(postgresql-client)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "installing from Debian's packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing prerequisites: ${need_apt[*]} (install them with: sudo apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
fi

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "infrastructure: Postgres, Redis, Kafka on 127.0.0.1"
bash deploy/infra.sh up

step "build"
npm run build

step "tests"
node scripts/test-all.mjs
