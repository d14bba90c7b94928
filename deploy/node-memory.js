'use strict';
// V8's memory flags for every Node process of the demo, passed as NODE_OPTIONS by deploy/topology.js (and the same
// value in docker-compose.yml and deploy/k8s, which the drift tests compare with it).
//
// Why: at rest each app held 150-280 MiB resident, most of it V8's young generation. Node sizes the semi-spaces
// from the machine's memory (up to 32 MiB each on a 24 GB machine, 64 MiB with the to-space) and, once grown, keeps
// them committed. A 2 MiB semi-space keeps the young generation at a few MiB; objects that outlive two scavenges
// are promoted as before. The price is more frequent (and shorter) scavenges: measured with `npm run bench:orders`
// through the gateway, docs/consistency.md ("Memory of the demo").
const NODE_MEMORY_OPTIONS = '--max-semi-space-size=2';

module.exports = { NODE_MEMORY_OPTIONS };
