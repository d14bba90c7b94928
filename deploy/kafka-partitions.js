'use strict';
// How the saga's topics are split and consumed: the partitions of order.events, inventory.events and
// payment.events (deploy/infra.sh, docker-compose.yml's kafka-init, deploy/k8s' kafka-init job, the saga tests'
// private broker) and how many of its partitions each service instance handles at once
// (KAFKA_PARTITIONS_CONCURRENTLY, passed by deploy/topology.js, docker-compose.yml and deploy/k8s; the drift tests
// compare them with these values).
//
// Why 12: a partition's events are handled one after the other and each handler waits on its round trips to the
// database, so a consumer's throughput is about (partitions handled at once) / (handler time). With 3, inventory's
// queue grew at 100 orders/s (docs/consistency.md, "Round three"). The key is the order id, so one order's events
// stay in one partition, in order, whatever the count. Growing the partitions of existing topics (deploy/kafka/admin.mjs
// does) moves keys to other partitions: do it with no saga in flight.
const SAGA_TOPIC_PARTITIONS = 12;
// Every partition of an instance's share at once: order's two replicas get 12 of the 24 partitions of their two
// topics each; payment alone 24 (two topics), so it handles half of them at a time.
const PARTITIONS_CONSUMED_CONCURRENTLY = 12;

module.exports = { SAGA_TOPIC_PARTITIONS, PARTITIONS_CONSUMED_CONCURRENTLY };
