#!/bin/sh
# The image's entrypoint: fills each secret variable that the container declares but leaves empty
# (docker-compose.yml: `ADMIN_TOKEN: "${ADMIN_TOKEN:-}"`) from the file the one-shot `secrets-init` service
# generated on first start (deploy/secrets.js), then runs the command. A container gets only the secrets its
# environment names; a value given from outside (the shell, an .env file) wins over the file.
set -eu
secrets_file="${SHOP_SECRETS_FILE:-/secrets/secrets.env}"
if [ -r "$secrets_file" ]; then
  while IFS='=' read -r name value; do
    case "$name" in
      ADMIN_TOKEN | REGISTRY_TOKEN | RAFT_SECRET | OPERATOR_PASSWORD) ;;
      *) continue ;;
    esac
    # Declared (set, possibly empty) and empty: take the generated value. $name is one of those above.
    eval "declared=\${$name+yes} current=\${$name:-}"
    if [ "$declared" = yes ] && [ -z "$current" ]; then export "$name=$value"; fi
  done < "$secrets_file"
fi
exec "$@"
