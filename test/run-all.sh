#!/usr/bin/env bash
# `npm test`: the one way to run the tests, from a fresh clone or after a change. Provides Node.js 24 when the
# machine's node is older, installs what is missing, starts Postgres, Redis and Kafka on 127.0.0.1
# (deploy/infra.sh), builds every app, then runs the steps of scripts/test-all.mjs (type check, lint, unit,
# integration, end-to-end) and prints their summary.
# `npm test -- unit lint` runs only the steps named; the infrastructure and the build are prepared only when a
# step named needs them (integration, e2e). Used by CI (.ci/run) exactly as a newcomer would use it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says when it starts (seconds since this script started), so a log shows how long each one took.
step() { printf '\n\033[1m==> [%4ds] %s\033[0m\n' "$SECONDS" "$*"; }

# Node.js 24 is the supported runtime (package.json "engines"). When the node on PATH is older, the official
# binary is taken from the npm registry (package node-linux-<arch>@24, the nodejs.org build) into .tools/node24
# (git-ignored; once, ~30 MB, about 10 s) and put first on PATH, so that npm, the build and every test run on
# it: npm's own script starts with `#!/usr/bin/env node`, so it runs on that node too.
NODE_MAJOR=24
node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
ensure_node() {
  if [ "$(node_major)" -ge "$NODE_MAJOR" ]; then return; fi
  local dir=.tools/node$NODE_MAJOR
  if [ "$(node_major "$dir/bin/node")" != "$NODE_MAJOR" ]; then
    local arch
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) echo "no Node.js $NODE_MAJOR binary for $(uname -m): install Node.js $NODE_MAJOR yourself" >&2; exit 1 ;;
    esac
    step "Node.js $NODE_MAJOR: the machine has $(node -v 2>/dev/null || echo none); fetching node-linux-$arch@$NODE_MAJOR from the npm registry into $dir"
    rm -rf "$dir" && mkdir -p "$dir"
    local tarball
    tarball=$(cd "$dir" && npm pack "node-linux-$arch@$NODE_MAJOR" --silent | tail -1)
    tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1 && rm -f "$dir/$tarball"
  fi
  PATH="$PWD/$dir/bin:$PATH"
  export PATH
  if [ "$(node_major)" != "$NODE_MAJOR" ]; then echo "could not provide Node.js $NODE_MAJOR (see above)" >&2; exit 1; fi
}
ensure_node
step "Node.js $(node -v) ($(command -v node)), npm $(npm -v)"

steps=("$@")
needs_system() {
  [ ${#steps[@]} -eq 0 ] && return 0
  for s in "${steps[@]}"; do case "$s" in integration | e2e) return 0 ;; esac; done
  return 1
}

need_apt=()
if needs_system; then
  command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || need_apt+=(maven)
  command -v psql >/dev/null || need_apt+=(postgresql-client)
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  [ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
fi
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

# A fresh clone installs; an existing node_modules is kept (run `npm ci` yourself after changing package-lock.json).
if [ -e node_modules ]; then
  step "node_modules present: npm ci skipped"
else
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if needs_system; then
  step "infrastructure: Postgres, Redis, Kafka on 127.0.0.1"
  bash deploy/infra.sh up

  step "build"
  npm run build
fi

step "tests${steps[*]:+: ${steps[*]}}"
node scripts/test-all.mjs "${steps[@]}"
step "done"
