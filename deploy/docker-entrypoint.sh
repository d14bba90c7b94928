#!/bin/sh
# The image's entrypoint: fills each secret variable that the container declares but leaves empty
# (docker-compose.yml: `ADMIN_TOKEN: "${ADMIN_TOKEN:-}"`, `KAFKA_PASSWORD: ""`) from the file the one-shot
# `secrets-init` service generated on first start (deploy/secrets.js), then runs the command. A container gets
# only the secrets its environment names, and its OWN credentials: the app is read from the command
# (`node dist/apps/<app>/main.js`, or SHOP_SECRETS_SCOPE for a tool), so that order's REGISTRY_TOKEN is the
# file's ORDER_REGISTRY_TOKEN and its KAFKA_PASSWORD ORDER_KAFKA_PASSWORD; a registry node's REGISTRY_TOKEN and
# the console's REGISTRY_OPERATOR_TOKEN are the operator's REGISTRY_TOKEN. A value given from outside (the
# shell, an .env file) wins over the file.
set -eu
secrets_file="${SHOP_SECRETS_FILE:-/secrets/secrets.env}"
app="${SHOP_SECRETS_SCOPE:-}"
if [ -z "$app" ]; then
  # The main file is the command's last word (node flags may come before it, as the gateway's do).
  main=""
  for word in "$@"; do main="$word"; done
  case "$main" in
    dist/apps/*/main.js) app="${main#dist/apps/}" && app="${app%/main.js}" ;;
  esac
fi
APP="$(printf '%s' "$app" | tr '[:lower:]-' '[:upper:]_')"
line() { sed -n "s/^$1=//p" "$secrets_file" | tail -n 1; }
if [ -r "$secrets_file" ]; then
  for name in ADMIN_TOKEN RAFT_SECRET REGISTRY_SERVICE_KEY REGISTRY_TOKEN REGISTRY_OPERATOR_TOKEN KAFKA_PASSWORD OPERATOR_PASSWORD; do
    # Declared (set, possibly empty) and empty: take the generated value. $name is one of the names above.
    eval "declared=\${$name+yes} current=\${$name:-}"
    if [ "$declared" != yes ] || [ -n "$current" ]; then continue; fi
    case "$name" in
      REGISTRY_TOKEN) if [ -z "$app" ] || [ "$app" = registry ]; then source=REGISTRY_TOKEN; else source="${APP}_REGISTRY_TOKEN"; fi ;;
      REGISTRY_OPERATOR_TOKEN) source=REGISTRY_TOKEN ;;
      KAFKA_PASSWORD) source="${APP}_KAFKA_PASSWORD" ;;
      *) source="$name" ;;
    esac
    value="$(line "$source")"
    if [ -n "$value" ]; then export "$name=$value"; fi
  done
fi
exec "$@"
