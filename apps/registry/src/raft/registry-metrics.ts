import { metricsRegistry } from '@shop/common';
import { Counter, Gauge } from 'prom-client';
import type { RegistryNode } from './registry-node';

const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader', 'starting'] as const;

/** Raft gauges read from the node at scrape time (no timers): role, term, commit and applied index, waiters. */
export function registerRaftMetrics(node: RegistryNode): void {
  new Gauge({
    name: 'registry_raft_role',
    help: '1 for the role this node has now',
    labelNames: ['role'] as const,
    registers: [metricsRegistry],
    collect() {
      const role = node.status().role;
      for (const r of ROLES) this.labels(r).set(r === role ? 1 : 0);
    },
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [metricsRegistry],
      collect() {
        this.set(read());
      },
    });
  gauge('registry_raft_term', 'Current Raft term', () => node.status().term);
  gauge('registry_raft_commit_index', 'Highest log index known to be committed', () => node.status().commitIndex);
  gauge('registry_raft_applied_index', 'Highest log index applied to the state machine', () => node.stateMachine.appliedIndex);
  gauge('registry_raft_has_leader', '1 when this node knows a leader', () => (node.status().leader ? 1 : 0));
  gauge('registry_raft_snapshots_taken', 'Snapshots this node took (log compaction)', () => node.counters().snapshotsTaken ?? 0);
  gauge('registry_raft_snapshots_installed', 'Snapshots this node installed from the leader (it was behind the compacted log)', () => node.counters().snapshotsInstalled ?? 0);
  gauge('registry_wal_fsyncs', 'fdatasync calls on the WAL (group commit keeps this below the number of writes)', () => node.counters().fsyncs ?? 0);
  gauge('registry_raft_peer_messages_sent', 'Raft messages sent to peers', () => node.counters().peerMessagesSent ?? 0);
  gauge('registry_raft_peer_frames_sent', 'Frames (batches) those messages left in: messages per frame is the batching at work', () => node.counters().peerFramesSent ?? 0);
  gauge('registry_raft_peer_send_failures', 'Peer streams or snapshot requests that failed (the peer was then reported unreachable)', () => node.counters().peerSendFailures ?? 0);
  gauge('registry_raft_peer_messages_received', 'Raft messages received from peers', () => node.counters().peerMessagesReceived ?? 0);
  gauge('registry_raft_peer_refused', 'Peer frames or requests refused: unknown sender, bad signature, replay, malformed, too large', () => node.counters().peerRefused ?? 0);
  countLeaderChanges(node);
  gauge('registry_blocking_queries', 'Blocking queries waiting on this node', () => node.watches.waiting);
}

/** How often the leader this node knows is sampled: an election takes several election timeouts (over 1 s). */
const LEADER_SAMPLE_MS = 100;

/**
 * `registry_raft_leader_changes_total`: times the leader this node knows changed to another node (a node it
 * learns of after knowing none counts only when it differs from the last one known). Sampled, so two changes
 * within one sample would count as one, which an election's length rules out.
 */
function countLeaderChanges(node: RegistryNode): void {
  const changes = new Counter({
    name: 'registry_raft_leader_changes_total',
    help: 'Times the leader known to this node changed to another node',
    registers: [metricsRegistry],
  });
  let lastKnown: string | null = null;
  const timer = setInterval(() => {
    const leader = node.status().leader;
    if (leader === null || leader === lastKnown) return;
    if (lastKnown !== null) changes.inc();
    lastKnown = leader;
  }, LEADER_SAMPLE_MS);
  timer.unref();
}
