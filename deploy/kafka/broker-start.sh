#!/usr/bin/env bash
# The start of the apache/kafka container in docker-compose.yml and deploy/k8s/12-kafka.yaml: Kafka knows who
# publishes (docs/security.md, "Kafka"). Clients authenticate with SASL/SCRAM-SHA-256 on every client listener;
# the broker reaches its controller with PLAIN as admin; the StandardAuthorizer refuses what no ACL allows
# (the ACLs are granted by the one-shot kafka-init, deploy/kafka/admin.mjs). The users (admin, order, inventory,
# payment) are written into the storage when it is formatted, the first time; their passwords come from the
# environment (<USER>_KAFKA_PASSWORD: Kubernetes, from the operator's Secret) or else from the secrets file the
# one-shot secrets-init generated (compose). Then the image's own start script runs, which maps the KAFKA_*
# variables to server.properties and finds the storage formatted already.
set -euo pipefail
secrets_file="${SHOP_SECRETS_FILE:-/secrets/secrets.env}"
secret() {
  local value="${!1:-}"
  [ -n "$value" ] || value="$(sed -n "s/^$1=//p" "$secrets_file" 2>/dev/null | tail -n 1)"
  [ -n "$value" ] || { echo "broker-start: $1 is neither in the environment nor in $secrets_file" >&2; exit 1; }
  printf '%s' "$value"
}
admin="$(secret ADMIN_KAFKA_PASSWORD)"
scram='org.apache.kafka.common.security.scram.ScramLoginModule required'
# Secrets stay out of the compose file and manifests: set here, mapped to properties by the image.
export KAFKA_LISTENER_NAME_INTERNAL_SCRAM___SHA___256_SASL_JAAS_CONFIG="$scram username=\"admin\" password=\"$admin\";"
export KAFKA_LISTENER_NAME_HOST_SCRAM___SHA___256_SASL_JAAS_CONFIG="$scram;"
export KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$admin\" user_admin=\"$admin\";"
# For the healthcheck: kafka-topics.sh --command-config /tmp/admin-client.properties.
(umask 077 && printf '%s\n' 'security.protocol=SASL_PLAINTEXT' 'sasl.mechanism=SCRAM-SHA-256' "sasl.jaas.config=$scram username=\"admin\" password=\"$admin\";" >/tmp/admin-client.properties)

logdir="${KAFKA_LOG_DIRS:-/tmp/kraft-combined-logs}"
logdir="${logdir%%,*}"
if [ ! -f "$logdir/meta.properties" ]; then
  # The image's own rule, KAFKA_FOO_BAR -> foo.bar (`___` -> `-`, `__` -> `_`), for a format-time copy.
  format_config=/tmp/format.properties
  (umask 077 && env | grep '^KAFKA_' | grep -Ev '^KAFKA_(VERSION|HEAP_OPTS|LOG4J_OPTS|OPTS|JMX_OPTS|JVM_PERFORMANCE_OPTS|GC_LOG_OPTS)=' |
    while IFS='=' read -r name value; do
      key="$(echo "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')"
      printf '%s=%s\n' "$key" "$value"
    done >"$format_config")
  users=()
  for user in admin order inventory payment; do
    users+=(--add-scram "SCRAM-SHA-256=[name=$user,password=$(secret "${user^^}_KAFKA_PASSWORD")]")
  done
  echo "broker-start: formatting $logdir with the SCRAM users admin, order, inventory, payment"
  /opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$format_config" "${users[@]}"
  rm -f "$format_config"
fi
exec /etc/kafka/docker/run
