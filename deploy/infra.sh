#!/usr/bin/env bash
# Local infrastructure for machines without Docker: Postgres, Redis and Kafka 3.9 (KRaft, single node) on
# 127.0.0.1, as docs/architecture.md describes.
#
#   bash deploy/infra.sh up       # npm run infra:up   - start what is down, wait until each one answers
#   bash deploy/infra.sh down     # npm run infra:down - stop Kafka, and only what this script started itself
#   bash deploy/infra.sh status
#   bash deploy/infra.sh restart-kafka   # fault injection (npm run chaos): SIGTERM the broker, start it again, data kept
#   bash deploy/infra.sh restart-redis   # fault injection: SHUTDOWN NOSAVE, start again the same way (empty: no persistence)
#
# Safe to run twice and from two shells at once (a lock serialises runs). Kafka comes from the Apache jars on
# Maven Central (deploy/kafka/pom.xml, cached in deploy/kafka/lib); its data and log live in .infra/.
# Where a local server is not installed but a Docker engine answers, that server comes from docker-compose.yml
# instead (with deploy/docker-compose.infra.yml publishing its port on 127.0.0.1).
# Kafka knows who publishes (docs/security.md, "Kafka"): SASL/SCRAM-SHA-256 users admin (super user, this
# script), order, inventory and payment with their ACLs, passwords from .data/secrets.env (deploy/secrets.js,
# created here when missing, and read by `npm run stack` and the tests).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOST=127.0.0.1
PG_PORT=5432
# Overridable only to run a second, throwaway Redis or broker beside the shared ones (the apps expect the
# defaults).
REDIS_PORT="${REDIS_PORT:-6379}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
TOPICS=(order.events inventory.events payment.events)
# deploy/kafka-partitions.js (the one definition; the drift tests compare compose and Kubernetes with it).
TOPIC_PARTITIONS=12

INFRA_DIR="$ROOT/.infra"
KAFKA_DIR="$INFRA_DIR/kafka"
KAFKA_PROPERTIES="$KAFKA_DIR/server.properties"
KAFKA_PID_FILE="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$INFRA_DIR/kafka.log"
KAFKA_POM="$ROOT/deploy/kafka/pom.xml"
KAFKA_LIB="$ROOT/deploy/kafka/lib"
KAFKA_LIB_STAMP="$KAFKA_LIB/.pom.sha256"
# Formatted with the SCRAM users; a broker of an older infra.sh (plaintext) kept its data in $KAFKA_DIR/data.
KAFKA_DATA="$KAFKA_DIR/data-sasl"
SECRETS_FILE="$ROOT/.data/secrets.env"
KAFKA_SERVICES=(order inventory payment)
# Markers of servers this script started, so that `down` stops those and nothing the machine started before.
STARTED_POSTGRES="$INFRA_DIR/started-postgres"
STARTED_REDIS="$INFRA_DIR/started-redis"
STARTED_DOCKER="$INFRA_DIR/started-docker-services"

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
  printf 'infra: error: %s\n' "$*" >&2
  exit 1
}
has() { command -v "$1" >/dev/null 2>&1; }
require() { has "$1" || die "$1 is missing. Install it with: $2"; }

# wait_until <seconds> <what> <command...>: polls once a second; fails naming what never answered.
wait_until() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || die "$what did not answer within ${seconds}s"
    sleep 1
  done
}

docker_usable() { has docker && timeout 10 docker info >/dev/null 2>&1; }

compose() { docker compose -f "$ROOT/docker-compose.yml" -f "$ROOT/deploy/docker-compose.infra.yml" "$@"; }

# compose_up <service>: the Docker fallback; `--wait` returns once the service's healthcheck passes.
compose_up() {
  info "not installed locally; starting the '$1' service with docker compose"
  compose up -d --wait "$1"
  grep -qx "$1" "$STARTED_DOCKER" 2>/dev/null || echo "$1" >>"$STARTED_DOCKER"
}

started_in_docker() { grep -qx "$1" "$STARTED_DOCKER" 2>/dev/null; }

# compose_stop <service>: stops what compose_up started, and forgets it.
compose_stop() {
  compose stop "$1"
  sed -i "/^$1\$/d" "$STARTED_DOCKER"
}

# ---------------------------------------------------------------------------------------------- Postgres
postgres_answers() { pg_isready -h "$HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

postgres_cluster_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

postgres_up() {
  step "Postgres on $HOST:$PG_PORT"
  if started_in_docker postgres; then
    compose up -d --wait postgres
    info "answers (docker compose service 'postgres'; its image applied deploy/postgres/init.sql)"
    return
  fi
  if ! has psql || ! has pg_isready; then
    docker_usable && { compose_up postgres; return; }
    die "psql/pg_isready are missing. Install them with: apt-get install -y postgresql (server and client)"
  fi
  if postgres_answers; then
    info "already running"
  else
    local version
    version="$(postgres_cluster_version)"
    if has pg_ctlcluster && [ -n "$version" ]; then
      info "starting cluster $version/main"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 9>&-
      touch "$STARTED_POSTGRES"
    elif docker_usable; then
      compose_up postgres
      return
    else
      die "no PostgreSQL server answers on $HOST:$PG_PORT and none is installed. Install it with: apt-get install -y postgresql"
    fi
    wait_until 60 "Postgres on $HOST:$PG_PORT" postgres_answers
    info "accepting connections"
  fi
  info "applying deploy/postgres/init.sql (databases orders, inventory, payments and their roles)"
  psql -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
    -f "$ROOT/deploy/postgres/init.sql" >/dev/null
}

postgres_down() {
  step "Postgres"
  if started_in_docker postgres; then
    compose_stop postgres
  elif [ -f "$STARTED_POSTGRES" ]; then
    local version
    version="$(postgres_cluster_version)"
    info "stopping cluster $version/main (infra.sh started it)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main stop
    rm -f "$STARTED_POSTGRES"
  else
    info "left running: infra.sh did not start it"
  fi
}

# ------------------------------------------------------------------------------------------------- Redis
# PING over bash's /dev/tcp, so that the check needs no redis-cli (nor a local Redis, with the Docker fallback).
redis_command() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "%s\r\n" "$3" >&3 && IFS= read -r reply <&3 && printf "%s" "$reply"' \
    _ "$HOST" "$REDIS_PORT" "$1" 2>/dev/null
}
redis_answers() { [ "$(redis_command PING)" = $'+PONG\r' ]; }

# Memory bound and eviction policy (docs/security.md): every key we keep has a TTL, so an evicting policy
# (volatile-ttl, allkeys-lru, ...) could drop an idempotency token while its order is being processed, and the
# retry would then be "unknown" (400) or, worse, start again. noeviction never drops a token: a full Redis
# refuses new writes, which the token endpoint answers 503 with Retry-After. 128 MiB holds about 600 000 new
# tokens (about 210 bytes each) or 60 000 with a stored answer, and leaves room in a 256 MiB container.
REDIS_MAXMEMORY="${REDIS_MAXMEMORY:-128mb}"
redis_bound_memory() {
  if [ "$(redis_command "CONFIG SET maxmemory $REDIS_MAXMEMORY")" = $'+OK\r' ] &&
    [ "$(redis_command "CONFIG SET maxmemory-policy noeviction")" = $'+OK\r' ]; then
    info "maxmemory $REDIS_MAXMEMORY, maxmemory-policy noeviction"
  else
    info "warning: could not set maxmemory/noeviction on Redis (CONFIG disabled?): set them in its configuration"
  fi
}

redis_up() {
  step "Redis on $HOST:$REDIS_PORT"
  if started_in_docker redis; then
    compose up -d --wait redis
    info "answers PING (docker compose service 'redis')"
    return
  fi
  if redis_answers; then
    info "already running"
    redis_bound_memory
    return
  fi
  if has redis-server; then
    local dir=/var/lib/redis logfile=/var/log/redis/ci.log
    # Off the system directories when they are not ours to write (a non-root developer).
    if [ ! -w "$dir" ] || [ ! -w "$(dirname "$logfile")" ]; then
      dir="$INFRA_DIR/redis"
      logfile="$INFRA_DIR/redis.log"
      mkdir -p "$dir"
    fi
    info "starting redis-server (no persistence: the data is test and cache state)"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "$dir" --logfile "$logfile" 9>&-
    touch "$STARTED_REDIS"
  elif docker_usable; then
    compose_up redis
    return
  else
    die "no Redis answers on $HOST:$REDIS_PORT and redis-server is not installed. Install it with: apt-get install -y redis-server"
  fi
  wait_until 30 "Redis on $HOST:$REDIS_PORT" redis_answers
  info "answers PING"
  redis_bound_memory
}

redis_down() {
  step "Redis"
  if started_in_docker redis; then
    compose_stop redis
  elif [ -f "$STARTED_REDIS" ]; then
    info "stopping redis-server (infra.sh started it)"
    redis_command 'SHUTDOWN NOSAVE' >/dev/null || true
    rm -f "$STARTED_REDIS"
  else
    info "left running: infra.sh did not start it"
  fi
}

# ------------------------------------------------------------------------------------------------- Kafka
kafka_pid() {
  local pid
  pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null)" || return 1
  # The pid must still be our broker, not a recycled pid of another process.
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $KAFKA_PROPERTIES" || return 1
  # ... and serving this port (a second broker of this checkout on other ports, KAFKA_PORT, is not this one).
  grep -q "^listeners=.*://$HOST:$KAFKA_PORT," "$KAFKA_PROPERTIES" 2>/dev/null || return 1
  echo "$pid"
}

port_is_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$HOST" "$1" 2>/dev/null; }

# The admin super user's credentials and every service's password, in the environment of admin.mjs only.
kafka_admin() {
  KAFKA_USERNAME=admin KAFKA_PASSWORD="$(secret ADMIN_KAFKA_PASSWORD)" ORDER_KAFKA_PASSWORD="$(secret ORDER_KAFKA_PASSWORD)" \
    INVENTORY_KAFKA_PASSWORD="$(secret INVENTORY_KAFKA_PASSWORD)" PAYMENT_KAFKA_PASSWORD="$(secret PAYMENT_KAFKA_PASSWORD)" \
    node "$ROOT/deploy/kafka/admin.mjs" "$@" --brokers "$HOST:$KAFKA_PORT"
}

# The shop's secrets file, created (or completed with the lines an older version lacked) by deploy/secrets.js.
ensure_secrets() { node "$ROOT/deploy/secrets.js" "$SECRETS_FILE" >/dev/null || die "could not create $SECRETS_FILE"; }
secret() { sed -n "s/^$1=//p" "$SECRETS_FILE" | tail -n 1; }

kafka_jars() {
  local wanted
  wanted="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [ "$(cat "$KAFKA_LIB_STAMP" 2>/dev/null)" = "$wanted" ]; then
    info "jars cached in deploy/kafka/lib ($(find "$KAFKA_LIB" -name '*.jar' | wc -l) jars)"
    return
  fi
  require mvn "apt-get install -y maven"
  info "fetching the Kafka jars from Maven Central into deploy/kafka/lib (first run only; may take minutes)"
  # Into a scratch folder first: an interrupted download must not look like a complete cache.
  local partial="$INFRA_DIR/kafka-lib.partial"
  rm -rf "$partial"
  if ! mvn -B -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$partial" 2>&1 |
    { grep --line-buffered -E 'Downloaded from .*\.jar|ERROR' || true; } |
    sed -u -E 's|.*/([^/]+\.jar) \(([^)]*) at .*|    downloaded \1 (\2)|; s/^\[ERROR\]/    mvn: [ERROR]/'; then
    die "Maven could not fetch the Kafka jars (see its errors above; is https://repo.maven.apache.org reachable?)"
  fi
  [ "$(find "$partial" -name '*.jar' 2>/dev/null | wc -l)" -gt 0 ] || die "Maven copied no jars (see the mvn output above)"
  rm -rf "$KAFKA_LIB"
  mv "$partial" "$KAFKA_LIB"
  echo "$wanted" >"$KAFKA_LIB_STAMP"
  info "$(find "$KAFKA_LIB" -name '*.jar' | wc -l) jars ready"
}

# Single combined broker+controller node (KRaft), replication factors of 1 for a one-broker cluster.
# Clients authenticate with SCRAM-SHA-256 (users live in the cluster metadata); the broker reaches its own
# controller with PLAIN as admin (KRaft controllers cannot check SCRAM, whose users they have not loaded yet).
# StandardAuthorizer: what no ACL allows is refused; admin is the only super user.
kafka_write_properties() {
  local admin_password
  admin_password="$(secret ADMIN_KAFKA_PASSWORD)"
  (umask 077 && cat >"$KAFKA_PROPERTIES" <<EOF
# Generated by deploy/infra.sh on every start; edit the script, not this file. Holds the admin's password (0600).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=SASL_PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin_password" user_admin="$admin_password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
log.dirs=$KAFKA_DATA
num.partitions=$TOPIC_PARTITIONS
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created on purpose (this script, the tests), never by a typo in a producer.
auto.create.topics.enable=false
$(grep -v '^#' "$ROOT/deploy/kafka/demo-broker.properties")
EOF
  )
}

kafka_format_storage() {
  if [ -f "$KAFKA_DATA/meta.properties" ]; then
    info "storage already formatted ($KAFKA_DATA)"
    return
  fi
  local cluster_id
  cluster_id="$(java -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  [ -n "$cluster_id" ] || die "kafka.tools.StorageTool random-uuid printed no id"
  info "formatting storage once (cluster id $cluster_id), with the SCRAM users admin ${KAFKA_SERVICES[*]}"
  local -a users=()
  for user in admin "${KAFKA_SERVICES[@]}"; do
    users+=(--add-scram "SCRAM-SHA-256=[name=$user,password=$(secret "${user^^}_KAFKA_PASSWORD")]")
  done
  java -cp "$KAFKA_LIB/*" -Dlog4j.configuration="file:$ROOT/deploy/kafka/log4j.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_PROPERTIES" "${users[@]}" >>"$KAFKA_LOG" 2>&1 ||
    die "formatting Kafka storage failed (see $KAFKA_LOG)"
}

kafka_start() {
  info "starting the broker (log: .infra/kafka.log)"
  # setsid: the broker outlives this script and ignores a Ctrl-C meant for `npm run stack`.
  # The demo broker's JVM flags (memory and CPU, and why): deploy/kafka/jvm.options, shared with the tests' brokers.
  local jvm_flags
  mapfile -t jvm_flags < <(grep -v '^#' "$ROOT/deploy/kafka/jvm.options" | grep .)
  setsid nohup java "${jvm_flags[@]}" \
    -Dlog4j.configuration="file:$ROOT/deploy/kafka/log4j.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_PROPERTIES" >>"$KAFKA_LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_PID_FILE"
}

kafka_up() {
  step "Kafka 3.9 (KRaft, single node, SASL/SCRAM) on $HOST:$KAFKA_PORT"
  [ -d "$ROOT/node_modules/kafkajs" ] || die "node_modules/kafkajs is missing (the readiness check uses it). Run: npm ci"
  ensure_secrets
  local pid=""
  if ! started_in_docker kafka && pid="$(kafka_pid)" && ! grep -q '^sasl.enabled.mechanisms=' "$KAFKA_PROPERTIES"; then
    # This checkout's own broker, started by an older infra.sh without SASL: replaced (its data stays in
    # $KAFKA_DIR/data; the SASL broker formats $KAFKA_DATA and the topics are created again below).
    info "the running broker (pid $pid) was started by an older infra.sh without SASL: replacing it"
    kafka_down
    step "Kafka 3.9 (KRaft, single node, SASL/SCRAM) on $HOST:$KAFKA_PORT"
    pid=""
  fi
  if started_in_docker kafka; then
    compose up -d --wait kafka
  elif pid="$(kafka_pid)"; then
    info "already running (pid $pid)"
  elif port_is_open "$KAFKA_PORT"; then
    info "something else listens on $HOST:$KAFKA_PORT; using it if it answers as Kafka"
    # Tests that start a private broker of their own (test/saga) still need the jars of this checkout.
    if has java; then kafka_jars; fi
  elif has java; then
    kafka_jars
    mkdir -p "$KAFKA_DIR"
    kafka_write_properties
    kafka_format_storage
    kafka_start
    pid="$(cat "$KAFKA_PID_FILE")"
  elif docker_usable; then
    compose_up kafka
  else
    die "java is missing (Kafka runs on the JVM). Install it with: apt-get install -y openjdk-17-jre-headless maven"
  fi
  info "waiting for a metadata answer as the admin user (not merely an open port)"
  local status=0
  kafka_admin wait --timeout-ms 120000 ${pid:+--pid "$pid"} || status=$?
  if [ "$status" = 4 ]; then
    local other=""
    other="$(serving_kafka_pid)" || other=""
    die "a broker without SASL already answers on $HOST:$KAFKA_PORT${other:+ (pid $other, $(tr '\0' ' ' <"/proc/$other/cmdline" | grep -o '[^ ]*server.properties'))}: it refuses the shop's SCRAM users.
    It was started by an older checkout's infra.sh or by hand. Stop it (\`npm run infra:down\` in the checkout that
    started it) and run this again, or start this one beside it: KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093."
  elif [ "$status" != 0 ]; then
    [ -f "$KAFKA_LOG" ] && { echo "---- last lines of .infra/kafka.log" >&2; tail -n 25 "$KAFKA_LOG" >&2; }
    die "Kafka did not become ready (or refused the admin user of $SECRETS_FILE)"
  fi
  kafka_admin topics --partitions "$TOPIC_PARTITIONS" "${TOPICS[@]}"
  kafka_ensure_users
  kafka_admin acls "${KAFKA_SERVICES[@]}"
}

# The service users exist from the format; a password changed since (a new secrets file) is set again.
kafka_ensure_users() {
  local refused
  refused="$(kafka_admin users "${KAFKA_SERVICES[@]}")" && { info "users ${KAFKA_SERVICES[*]} authenticate"; return; }
  [ -n "$refused" ] || die "could not check the Kafka users"
  require java "apt-get install -y openjdk-17-jre-headless"
  local config="$KAFKA_DIR/admin-client.properties"
  (umask 077 && printf '%s\n' 'security.protocol=SASL_PLAINTEXT' 'sasl.mechanism=SCRAM-SHA-256' \
    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(secret ADMIN_KAFKA_PASSWORD)\";" >"$config")
  for user in $refused; do
    info "setting the SCRAM password of user $user (from $SECRETS_FILE)"
    java -cp "$KAFKA_LIB/*" -Dlog4j.configuration="file:$ROOT/deploy/kafka/log4j.properties" kafka.admin.ConfigCommand \
      --bootstrap-server "$HOST:$KAFKA_PORT" --command-config "$config" --alter --entity-type users --entity-name "$user" \
      --add-config "SCRAM-SHA-256=[password=$(secret "${user^^}_KAFKA_PASSWORD")]" >>"$KAFKA_LOG" 2>&1 ||
      die "could not set the password of Kafka user $user (see $KAFKA_LOG)"
  done
  rm -f "$config"
}

kafka_down() {
  step "Kafka"
  if started_in_docker kafka; then
    compose_stop kafka
    return
  fi
  local pid
  if ! pid="$(kafka_pid)"; then
    info "not running (no broker started by infra.sh)"
    rm -f "$KAFKA_PID_FILE"
    return
  fi
  info "stopping the broker (pid $pid): SIGTERM, controlled shutdown"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    info "still running after 30s: SIGKILL"
    kill -KILL "$pid"
  fi
  rm -f "$KAFKA_PID_FILE"
  info "stopped"
}

# --------------------------------------------------------------------------------------------- restarts
# Fault injection for `npm run chaos`: the servers the apps use go away and come back as a real restart would.

# The pid of the broker serving $KAFKA_PORT, whichever checkout's infra.sh started it (its properties file names
# the listener).
serving_kafka_pid() {
  local pid properties
  if pid="$(kafka_pid)"; then
    echo "$pid"
    return
  fi
  # One grep over every process's command line (a loop of pipelines per process is slow on a loaded machine).
  for cmdline in $(grep -l -a -F 'kafka.Kafka' /proc/[0-9]*/cmdline 2>/dev/null); do
    pid="${cmdline#/proc/}"
    pid="${pid%/cmdline}"
    properties="$({ tr '\0' '\n' <"$cmdline"; } 2>/dev/null | grep -A1 -x 'kafka.Kafka' | tail -n 1)" || continue
    [ -f "$properties" ] && grep -q "PLAINTEXT://$HOST:$KAFKA_PORT\b" "$properties" && {
      echo "$pid"
      return
    }
  done
  return 1
}

kafka_restart() {
  step "Kafka on $HOST:$KAFKA_PORT: restart (controlled shutdown, data kept)"
  if started_in_docker kafka; then
    compose restart kafka
    kafka_admin wait --timeout-ms 120000
    return
  fi
  local pid
  pid="$(serving_kafka_pid)" || die "no broker started by deploy/infra.sh serves $HOST:$KAFKA_PORT"
  # Started again exactly as it was: same command line, same directory, same properties (so the same data).
  local -a argv
  mapfile -d '' argv <"/proc/$pid/cmdline"
  local cwd properties
  cwd="$(readlink "/proc/$pid/cwd")"
  properties="${argv[-1]}"
  info "stopping the broker (pid $pid): SIGTERM"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { info "still running after 30s: SIGKILL"; kill -KILL "$pid"; sleep 1; }
  info "stopped after $((SECONDS - deadline + 30))s; starting it again"
  local log pid_file
  log="$(dirname "$(dirname "$properties")")/kafka.log"
  pid_file="$(dirname "$properties")/kafka.pid"
  # exec: the background subshell BECOMES the broker (no bash left holding this script's pipes or the fd-9 lock).
  (cd "$cwd" && exec setsid nohup "${argv[@]}" >>"$log" 2>&1 </dev/null) 9>&- &
  echo $! >"$pid_file"
  kafka_admin wait --timeout-ms 120000 --pid "$(cat "$pid_file")" || die "Kafka did not come back (see $log)"
  info "answers again (pid $(cat "$pid_file"))"
}

redis_config() { redis-cli -h "$HOST" -p "$REDIS_PORT" --raw config get "$1" | tail -n 1; }

redis_restart() {
  step "Redis on $HOST:$REDIS_PORT: restart"
  if started_in_docker redis; then
    compose restart redis
    wait_until 30 "Redis on $HOST:$REDIS_PORT" redis_answers
    return
  fi
  require redis-cli "apt-get install -y redis-tools"
  redis_answers || die "no Redis answers on $HOST:$REDIS_PORT"
  local dir logfile
  dir="$(redis_config dir)"
  logfile="$(redis_config logfile)"
  info "SHUTDOWN NOSAVE (its data goes, as with any restart of a Redis without persistence)"
  redis_command 'SHUTDOWN NOSAVE' >/dev/null || true
  local deadline=$((SECONDS + 10))
  while redis_answers && ((SECONDS < deadline)); do sleep 0.2; done
  redis_answers && die "Redis still answers after SHUTDOWN"
  info "starting redis-server again (dir $dir)"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$dir" --logfile "$logfile" 9>&-
  wait_until 30 "Redis on $HOST:$REDIS_PORT" redis_answers
  info "answers PING"
}

# --------------------------------------------------------------------------------------------------- main
status() {
  if postgres_answers; then echo "postgres  up    $HOST:$PG_PORT"; else echo "postgres  down  $HOST:$PG_PORT"; fi
  if redis_answers; then echo "redis     up    $HOST:$REDIS_PORT"; else echo "redis     down  $HOST:$REDIS_PORT"; fi
  local pid=""
  pid="$(kafka_pid)" || true
  if kafka_admin wait --timeout-ms 5000 >/dev/null 2>&1; then
    echo "kafka     up    $HOST:$KAFKA_PORT${pid:+ (pid $pid, started by infra.sh)}"
  else
    echo "kafka     down  $HOST:$KAFKA_PORT${pid:+ (pid $pid exists but does not answer)}"
    return 1
  fi
}

main() {
  local command="${1:-}"
  case "$command" in
  up | down | status | restart-kafka | restart-redis) ;;
  *) die "usage: deploy/infra.sh up|down|status|restart-kafka|restart-redis" ;;
  esac
  mkdir -p "$INFRA_DIR"
  require flock "apt-get install -y util-linux"
  # Every server started below gets `9>&-`: a daemon that inherited fd 9 would hold the lock for its whole life.
  exec 9>"$INFRA_DIR/infra.lock"
  flock -w 600 9 || die "another deploy/infra.sh has held $INFRA_DIR/infra.lock for 10 minutes"

  local started=$SECONDS
  case "$command" in
  up)
    require node "https://nodejs.org (Node.js 20)"
    postgres_up
    redis_up
    kafka_up
    step "infrastructure ready in $((SECONDS - started))s: postgres $HOST:$PG_PORT, redis $HOST:$REDIS_PORT, kafka $HOST:$KAFKA_PORT"
    ;;
  down)
    kafka_down
    redis_down
    postgres_down
    ;;
  status) ensure_secrets && status ;;
  restart-kafka) ensure_secrets && kafka_restart ;;
  restart-redis) redis_restart ;;
  esac
}

main "$@"
