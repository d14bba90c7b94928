import { acceptsFromNetwork, RaftConfig, RaftNode, RaftStatus } from '../core/raft-node';
import { Entry, EntryType, Message, NodeId, Ready, Role, Snapshot } from '../core/types';
import { EventQueue } from './event-queue';
import { SimulatedDisk } from './simulated-disk';
import { Prng } from './prng';
import { drawProfile, FaultProfile, SimulationFailure, SimulationOptions, SimulationResult } from './simulation-options';
import { SafetyChecker, SafetyViolation } from './safety-checker';

/** leader-churn: a deposed new leader goes within this many virtual ms of winning. */
const DEPOSE_AFTER_WIN_MS = 40;
/** leader-churn: most deposed leaders are cut off rather than crashed (a crash may lose the unfinished fsync). */
const ISOLATE_RATHER_THAN_CRASH = 0.9;

const ELECTION_TICK = 10;
const HEARTBEAT_TICK = 2;
const TICK_MS = 10;

type SimEvent =
  | { kind: 'tick'; node: number; epoch: number }
  | { kind: 'take-ready'; node: number; epoch: number }
  | { kind: 'persisted'; node: number; epoch: number }
  | { kind: 'deliver'; msg: Message }
  | { kind: 'client' }
  | { kind: 'client-request'; node: number; epoch: number; read: boolean }
  | { kind: 'chaos' }
  | { kind: 'restart'; node: number }
  | { kind: 'crash'; node: number; epoch: number }
  | { kind: 'depose'; node: number; epoch: number; term: number }
  | { kind: 'heal-partition'; generation: number }
  | { kind: 'check-converged' };

interface SimNode {
  readonly id: NodeId;
  up: boolean;
  /** Bumped on each crash: events of an older life are ignored. */
  epoch: number;
  raft: RaftNode;
  readonly storage: SimulatedDisk;
  /** The state machine: keys[i - 1] is the command applied at index i ('' for a leader's no-op). */
  keys: string[];
  /** Clock skew: this node's tick interval in virtual milliseconds. */
  readonly tickMs: number;
  readyScheduled: boolean;
  /** A Ready taken from the core whose fsync has not finished (a crash loses it). */
  outstanding: Ready | null;
  /** Whether the node was leader when last observed (to spot a new leadership). */
  wasLeader: boolean;
  /** The commit index when last observed as leader (to spot a commit). */
  lastCommitSeen: number;
  /** A process pause (GC, a stalled VM): until then the node neither ticks nor handles anything. */
  pausedUntil: number;
  /** Proposals this life of the node accepted as leader, by index. */
  proposals: Map<number, { key: string; term: number }>;
  /** ReadIndex requests: context -> the highest index acknowledged to any client before the read began. */
  reads: Map<string, number>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function keyOf(entry: Entry): string {
  return entry.type === EntryType.Empty ? '' : decoder.decode(entry.data);
}

/**
 * A deterministic simulation of a Raft cluster (docs/conventions.md: tests need no sockets and no real timers).
 * Everything random comes from the seed: message drops, delays (and so reordering), duplicates, partitions,
 * crashes at any point of the host loop (losing the Ready being fsynced and everything not yet handed out),
 * restarts from exactly what was persisted, clock skew, log compaction, leadership transfers, client proposals
 * and ReadIndex reads. Safety is checked after every event (SafetyChecker); after the faults heal, a leader must
 * emerge and every acknowledged proposal must be applied on every node.
 */
export class Simulation {
  private readonly rng: Prng;
  private readonly profile: FaultProfile;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly checker = new SafetyChecker();
  private readonly nodes: SimNode[] = [];
  private readonly ids: NodeId[];
  private now = 0;
  private healed = false;
  private converged = false;
  /** Partition: node -> group; nodes in different groups cannot talk. Empty when whole. */
  private groups = new Map<number, number>();
  private partitionGeneration = 0;
  private readonly dropRate: number;
  private readonly duplicateRate: number;
  private readonly crashRate: number;
  private readonly leaderBias: number;
  /** Chance that a new leader crashes within 10 ms, before its no-op is replicated: the start of Figure 8. */
  private readonly newLeaderCrashRate: number;
  /** leader-churn: chance that a new leader is deposed within DEPOSE_AFTER_WIN_MS of winning. */
  private readonly deposeOnWinRate: number;
  /** leader-churn: chance, each time a leader is seen with entries stored on a minority, that it is deposed at once. */
  private readonly deposeOnMinorityRate: number;
  /** leader-churn: chance to depose a leader whose commit index just moved while newer entries sit on a minority. */
  private readonly deposeOnCommitRate: number;
  /** leader-churn: partitions cut one node off from the rest (rather than splitting the cluster in two). */
  private readonly isolateSingleNodes: boolean;
  private readonly faultMs: number;
  private readonly maxMsgEntries: number;
  private readonly maxInflightMsgs: number;
  private readonly convergeMs: number;
  private nextCommand = 1;
  private nextRead = 1;
  /** Every proposal a leader acknowledged (it applied it with the term it was proposed in). */
  private readonly acknowledged: Array<{ index: number; key: string }> = [];
  private maxAcknowledgedIndex = 0;
  private stats = { events: 0, proposals: 0, reads: 0, crashes: 0, partitions: 0, pauses: 0, deposals: 0, snapshotsInstalled: 0 };

  constructor(private readonly options: SimulationOptions) {
    this.rng = new Prng(options.seed);
    this.profile = options.profile ?? drawProfile(options.seed);
    // The random profile draws exactly as it did before profiles existed, so its seeds replay unchanged.
    const churn = this.profile === 'leader-churn';
    const count = options.nodes ?? (churn ? 5 : this.rng.pick([3, 5]));
    this.ids = Array.from({ length: count }, (_, k) => `n${k + 1}`);
    this.dropRate = this.rng.pick(churn ? [0, 0.01, 0.05] : [0, 0.01, 0.05, 0.15, 0.3]);
    this.duplicateRate = this.rng.pick([0, 0.02, 0.1]);
    this.crashRate = this.rng.pick(churn ? [0, 0.05] : [0, 0.05, 0.15, 0.3]);
    this.leaderBias = this.rng.pick([0, 0.5, 0.9]);
    this.newLeaderCrashRate = this.rng.pick([0, 0, 0.2, 0.5]);
    // One entry per message lets an old entry reach a majority before the new leader's own entries do.
    this.maxMsgEntries = this.rng.pick(churn ? [1, 1, 2] : [1, 2, 4, 16]);
    this.maxInflightMsgs = this.rng.pick([1, 2, 8]);
    this.deposeOnWinRate = churn ? this.rng.pick([0.5, 0.8]) : 0;
    this.deposeOnMinorityRate = churn ? this.rng.pick([0.02, 0.05]) : 0;
    this.deposeOnCommitRate = churn ? this.rng.pick([0.5, 0.8]) : 0;
    this.isolateSingleNodes = churn;
    // Figure 8 takes four elections in a row; churn needs more time than 1.5 s to produce them often.
    this.faultMs = options.faultMs ?? (churn ? 3000 : 1500);
    this.convergeMs = options.convergeMs ?? 6000;
    for (const id of this.ids) {
      const node: SimNode = {
        id,
        up: true,
        epoch: 0,
        raft: undefined as unknown as RaftNode,
        storage: new SimulatedDisk(),
        keys: [],
        // Clocks run up to 30% fast or slow.
        tickMs: TICK_MS * (0.7 + 0.6 * this.rng.next()),
        readyScheduled: false,
        outstanding: null,
        pausedUntil: 0,
        wasLeader: false,
        lastCommitSeen: 0,
        proposals: new Map(),
        reads: new Map(),
      };
      node.raft = this.createRaft(node);
      this.nodes.push(node);
    }
  }

  run(): SimulationResult {
    try {
      this.nodes.forEach((node, k) => this.schedule(node.tickMs * this.rng.next(), { kind: 'tick', node: k, epoch: 0 }));
      this.schedule(5, { kind: 'client' });
      this.schedule(50, { kind: 'chaos' });
      const end = this.faultMs + this.convergeMs;
      for (;;) {
        const next = this.queue.pop();
        if (!next) break;
        this.now = next.at;
        if (!this.healed && this.now >= this.faultMs) this.healAll();
        if (this.converged) break;
        if (this.now > end) {
          throw new Error(`liveness: no convergence ${this.convergeMs} ms after healing (${this.describe()})`);
        }
        this.stats.events++;
        this.handle(next.event);
      }
      if (!this.converged) throw new Error(`liveness: the simulation ran dry (${this.describe()})`);
      this.checkDurability();
    } catch (error) {
      throw new SimulationFailure(this.options.seed, error, Math.round(this.now));
    }
    return {
      seed: this.options.seed,
      profile: this.profile,
      nodes: this.ids.length,
      ...this.stats,
      acknowledged: this.acknowledged.length,
      leadersElected: this.checker.leadersElected(),
      virtualMs: Math.round(this.now),
    };
  }

  private handle(event: SimEvent): void {
    if (this.deferWhilePaused(event)) return;
    switch (event.kind) {
      case 'tick': {
        const node = this.nodes[event.node];
        if (!node.up || node.epoch !== event.epoch) return;
        node.raft.tick();
        this.afterInput(node);
        this.schedule(node.tickMs, event);
        return;
      }
      case 'take-ready': {
        const node = this.nodes[event.node];
        if (!node.up || node.epoch !== event.epoch) return;
        node.readyScheduled = false;
        if (node.outstanding || !node.raft.hasReady()) return;
        const rd = node.raft.ready();
        node.outstanding = rd;
        // The fsync takes time; inputs keep arriving meanwhile (as with a group-committing host).
        this.schedule(rd.mustSync ? 1 + this.rng.next() * 4 : 0, { kind: 'persisted', node: event.node, epoch: event.epoch });
        return;
      }
      case 'persisted': {
        const node = this.nodes[event.node];
        if (!node.up || node.epoch !== event.epoch || !node.outstanding) return;
        this.finishReady(node, node.outstanding);
        return;
      }
      case 'deliver': {
        const node = this.nodes[this.ids.indexOf(event.msg.to)];
        const from = this.ids.indexOf(event.msg.from);
        if (!node?.up || !this.connected(from, this.ids.indexOf(event.msg.to))) return;
        if (!acceptsFromNetwork(event.msg)) throw new Error(`a node sent a local-only message ${event.msg.type}`);
        node.raft.step(event.msg);
        this.afterInput(node);
        return;
      }
      case 'client-request': {
        const node = this.nodes[event.node];
        if (node.up && node.epoch === event.epoch) this.clientRequest(node, event.read);
        return;
      }
      case 'client':
        // Clients stop with the faults, so that the cluster can be seen to settle.
        if (this.healed) return;
        this.clientAction();
        this.schedule(2 + this.rng.next() * 15, event);
        return;
      case 'chaos':
        if (!this.healed) {
          this.chaosAction();
          this.schedule(20 + this.rng.next() * 60, event);
        }
        return;
      case 'restart':
        this.restart(event.node);
        return;
      case 'crash':
        if (!this.healed && this.nodes[event.node].up && this.nodes[event.node].epoch === event.epoch) this.crash(event.node);
        return;
      case 'depose': {
        const node = this.nodes[event.node];
        const status = node.raft.status();
        if (!this.healed && node.up && node.epoch === event.epoch && status.role === Role.Leader && status.term === event.term) {
          this.depose(event.node);
        }
        return;
      }
      case 'heal-partition':
        if (event.generation === this.partitionGeneration) this.groups.clear();
        return;
      case 'check-converged':
        this.converged = this.isConverged();
        if (!this.converged) this.schedule(25, event);
        return;
    }
  }

  /** Steps 1-4 of the Ready protocol, after the fsync finished. */
  private finishReady(node: SimNode, rd: Ready): void {
    const k = this.nodes.indexOf(node);
    node.storage.persist(rd);
    for (const entry of rd.entries) {
      this.checker.persisted(node.id, entry, node.storage.term(entry.index - 1), keyOf(entry));
    }
    for (const msg of rd.messages) this.send(msg);
    if (rd.snapshot) this.restoreStateMachine(node, rd.snapshot);
    for (const entry of rd.committed) this.apply(node, entry);
    for (const rs of rd.readStates) {
      const atLeast = node.reads.get(rs.context);
      if (atLeast === undefined) continue;
      node.reads.delete(rs.context);
      // Linearizable reads: the read point covers every write acknowledged before the read began.
      if (rs.index < atLeast) {
        throw new SafetyViolation('Linearizable read', `${node.id} read at ${rs.index}, but ${atLeast} was acknowledged before`);
      }
    }
    node.raft.advance(rd);
    node.outstanding = null;
    this.observe(node);
    this.scheduleReady(node, k);
  }

  private apply(node: SimNode, entry: Entry): void {
    if (entry.index !== node.keys.length + 1) {
      throw new SafetyViolation('State Machine Safety', `${node.id} applied ${entry.index} after ${node.keys.length}`);
    }
    const key = keyOf(entry);
    node.keys.push(key);
    this.checker.applied(node.id, entry.index, key);
    const proposal = node.proposals.get(entry.index);
    if (!proposal) return;
    node.proposals.delete(entry.index);
    if (proposal.term !== entry.term) return; // lost: another leader's entry took the index
    if (proposal.key !== key) {
      throw new SafetyViolation('Proposal identity', `${node.id} proposed '${proposal.key}' at ${entry.index}, applied '${key}'`);
    }
    this.acknowledged.push({ index: entry.index, key });
    this.maxAcknowledgedIndex = Math.max(this.maxAcknowledgedIndex, entry.index);
  }

  private restoreStateMachine(node: SimNode, snapshot: Snapshot): void {
    const keys = JSON.parse(decoder.decode(snapshot.data)) as string[];
    if (keys.length !== snapshot.metadata.index) throw new Error(`snapshot at ${snapshot.metadata.index} holds ${keys.length} keys`);
    keys.forEach((key, i) => this.checker.applied(node.id, i + 1, key));
    node.keys = keys;
    this.stats.snapshotsInstalled++;
  }

  private afterInput(node: SimNode): void {
    this.observe(node);
    this.scheduleReady(node, this.nodes.indexOf(node));
  }

  private observe(node: SimNode): void {
    const observed = this.observed(node);
    this.checker.observe(observed);
    const isLeader = observed.status.role === Role.Leader;
    if (isLeader && !node.wasLeader && !this.healed && this.rng.chance(this.newLeaderCrashRate)) {
      const k = this.nodes.indexOf(node);
      this.schedule(this.rng.next() * 10, { kind: 'crash', node: k, epoch: node.epoch });
    }
    if (isLeader && !this.healed && this.profile === 'leader-churn') this.maybeDepose(node, observed.status, !node.wasLeader);
    node.wasLeader = isLeader;
  }

  /**
   * leader-churn: depose a leader soon after it won (before its no-op spreads), or right when its newest entries
   * sit on a minority of nodes. Either leaves an uncommitted suffix behind for a later leader to overwrite or to
   * finish replicating in a later term, which is where committing by counting replicas goes wrong (Figure 8).
   */
  private maybeDepose(node: SimNode, status: RaftStatus, justWon: boolean): void {
    const k = this.nodes.indexOf(node);
    const depose = (delay: number) => this.schedule(delay, { kind: 'depose', node: k, epoch: node.epoch, term: status.term });
    // Skewed towards at once: most no-ops must not spread, some should.
    if (justWon && this.rng.chance(this.deposeOnWinRate)) depose(this.rng.next() ** 2 * DEPOSE_AFTER_WIN_MS);
    const onMinority = Object.entries(status.progress).some(([id, peer]) => id !== node.id && peer.match > status.commitIndex);
    const committed = !justWon && status.commitIndex > node.lastCommitSeen;
    node.lastCommitSeen = status.commitIndex;
    if (onMinority && this.rng.chance(committed ? this.deposeOnCommitRate : this.deposeOnMinorityRate)) depose(this.rng.next() * 2);
  }

  /** Crash the leader, or cut it off alone (it keeps its log and believes it leads until check-quorum). */
  private depose(k: number): void {
    this.stats.deposals++;
    // Cutting it off keeps the leader's unreplicated suffix. It replaces any other isolation: that node rejoins.
    if (this.rng.chance(ISOLATE_RATHER_THAN_CRASH)) this.isolate(k, 50 + this.rng.next() * 250);
    else this.crash(k);
  }

  private scheduleReady(node: SimNode, k: number): void {
    if (node.readyScheduled || node.outstanding || !node.raft.hasReady()) return;
    node.readyScheduled = true;
    this.schedule(this.rng.next() * 2, { kind: 'take-ready', node: k, epoch: node.epoch });
  }

  private send(msg: Message): void {
    if (!this.healed && this.rng.chance(this.dropRate)) return;
    const copies = !this.healed && this.rng.chance(this.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      // Mostly fast, sometimes very slow: slow messages arrive after newer ones (reordering).
      const delay = this.rng.chance(0.05) ? 20 + this.rng.next() * 150 : 1 + this.rng.next() * 8;
      this.schedule(delay, { kind: 'deliver', msg: this.options.corrupt ? this.options.corrupt(msg) : msg });
    }
  }

  private clientAction(): void {
    const up = this.nodes.filter((n) => n.up);
    if (up.length === 0) return;
    // Clients usually find a leader; sometimes they ask anyone (or a node they last saw leading, now paused).
    const leaders = up.filter((n) => n.raft.status().role === Role.Leader);
    const node = leaders.length > 0 && this.rng.chance(0.9) ? this.rng.pick(leaders) : this.rng.pick(up);
    const read = this.rng.chance(0.25);
    if (node.pausedUntil > this.now) {
      // The request waits in the socket until the process runs again.
      const k = this.nodes.indexOf(node);
      this.queue.push(node.pausedUntil + this.rng.next() * 3, { kind: 'client-request', node: k, epoch: node.epoch, read });
      return;
    }
    this.clientRequest(node, read);
  }

  private clientRequest(node: SimNode, read: boolean): void {
    if (read) {
      const context = `r${this.nextRead++}`;
      node.reads.set(context, this.maxAcknowledgedIndex);
      node.raft.readIndex(context);
      this.stats.reads++;
    } else {
      const key = `c${this.nextCommand++}`;
      const result = node.raft.propose(encoder.encode(key));
      if (result.accepted) {
        node.proposals.set(result.index, { key, term: result.term });
        this.stats.proposals++;
      }
    }
    this.afterInput(node);
  }

  /** Events for a paused node wait until it runs again; its timer fires once then, not once per missed tick. */
  private deferWhilePaused(event: SimEvent): boolean {
    let k: number;
    switch (event.kind) {
      case 'tick':
      case 'take-ready':
      case 'persisted':
      case 'client-request':
        k = event.node;
        break;
      case 'deliver':
        k = this.ids.indexOf(event.msg.to);
        break;
      default:
        return false;
    }
    const until = this.nodes[k]?.pausedUntil ?? 0;
    if (until <= this.now) return false;
    this.queue.push(until + this.rng.next() * 3, event);
    return true;
  }

  private chaosAction(): void {
    const roll = this.rng.next();
    // Faults aimed at the leader cause the most elections, and elections are where Raft goes wrong.
    const leader = this.nodes.findIndex((n) => n.up && n.raft.status().role === Role.Leader);
    const k = leader >= 0 && this.rng.chance(this.leaderBias) ? leader : this.rng.int(this.nodes.length);
    const node = this.nodes[k];
    if (roll < this.crashRate) {
      if (node.up) this.crash(k);
    } else if (roll < 0.35) {
      if (this.groups.size === 0 && this.rng.chance(0.5)) this.partition();
    } else if (roll < 0.55) {
      // Log compaction: the host snapshots its applied state, keeping a few entries for slow followers.
      if (node.up) this.compact(node, this.rng.int(5));
    } else if (roll < 0.65) {
      // A process pause, most harmful to a leader: it wakes up believing it still leads.
      if (node.up && node.pausedUntil <= this.now) {
        node.pausedUntil = this.now + 100 + this.rng.next() * 500;
        this.stats.pauses++;
      }
    } else if (roll < 0.7) {
      if (node.up && node.raft.status().role === Role.Leader) {
        node.raft.transferLeadership(this.rng.pick(this.ids.filter((id) => id !== node.id)));
        this.afterInput(node);
      }
    }
  }

  private compact(node: SimNode, keep: number): void {
    const applied = node.raft.status().appliedIndex;
    const index = applied - keep;
    if (index < node.storage.firstIndex() + 3) return;
    const data = encoder.encode(JSON.stringify(node.keys.slice(0, index)));
    node.raft.compact(index, data);
    const term = node.raft.termAt(index) as number;
    node.storage.compact({ metadata: { index, term, members: this.ids }, data });
  }

  private crash(k: number): void {
    const node = this.nodes[k];
    node.up = false;
    node.epoch++;
    node.outstanding = null;
    node.readyScheduled = false;
    this.stats.crashes++;
    this.schedule(10 + this.rng.next() * 300, { kind: 'restart', node: k });
  }

  /** Start again from exactly what the host persisted; volatile state (and the state machine) is rebuilt. */
  private restart(k: number): void {
    const node = this.nodes[k];
    if (node.up) return;
    node.up = true;
    node.pausedUntil = 0;
    node.wasLeader = false;
    node.raft = this.createRaft(node);
    node.keys = node.storage.snapshot ? (JSON.parse(decoder.decode(node.storage.snapshot.data)) as string[]) : [];
    node.proposals = new Map();
    node.reads = new Map();
    this.schedule(node.tickMs * this.rng.next(), { kind: 'tick', node: k, epoch: node.epoch });
    this.afterInput(node);
  }

  private partition(): void {
    if (this.isolateSingleNodes) {
      this.isolate(this.rng.int(this.nodes.length), 30 + this.rng.next() * 200);
      return;
    }
    this.partitionGeneration++;
    this.stats.partitions++;
    for (let k = 0; k < this.nodes.length; k++) this.groups.set(k, this.rng.int(2));
    this.schedule(30 + this.rng.next() * 400, { kind: 'heal-partition', generation: this.partitionGeneration });
  }

  /** A partition with node `k` alone on one side, healed after `ms`. */
  private isolate(k: number, ms: number): void {
    this.partitionGeneration++;
    this.stats.partitions++;
    for (let j = 0; j < this.nodes.length; j++) this.groups.set(j, j === k ? 1 : 0);
    this.schedule(ms, { kind: 'heal-partition', generation: this.partitionGeneration });
  }

  private connected(a: number, b: number): boolean {
    return this.groups.size === 0 || this.groups.get(a) === this.groups.get(b);
  }

  /** The end of the faults: whole network, no drops or duplicates, every node up. */
  private healAll(): void {
    this.healed = true;
    this.groups.clear();
    this.partitionGeneration++;
    this.nodes.forEach((node, k) => {
      if (!node.up) this.restart(k);
    });
    this.schedule(0, { kind: 'check-converged' });
  }

  /** One leader of the highest term, known to all, and every node has applied all it committed. */
  private isConverged(): boolean {
    const statuses = this.nodes.map((n) => n.raft.status());
    const leaders = statuses.filter((s) => s.role === Role.Leader);
    if (leaders.length !== 1) return false;
    const leader = leaders[0];
    if (statuses.some((s) => s.term !== leader.term || s.leader !== leader.id)) return false;
    if (leader.commitIndex < this.maxAcknowledgedIndex || leader.leadTransferee !== null) return false;
    return this.nodes.every((n, k) => !n.outstanding && statuses[k].appliedIndex === leader.commitIndex && n.keys.length === leader.commitIndex);
  }

  /** Every proposal a leader acknowledged is applied, at its index, on every node. */
  private checkDurability(): void {
    for (const { index, key } of this.acknowledged) {
      for (const node of this.nodes) {
        if (node.keys[index - 1] !== key) {
          throw new SafetyViolation('Durability', `acknowledged '${key}' at ${index} is '${node.keys[index - 1]}' on ${node.id}`);
        }
      }
    }
  }

  private observed(node: SimNode) {
    return { status: node.raft.status(), termAt: (i: number) => node.raft.termAt(i) };
  }

  private createRaft(node: SimNode): RaftNode {
    const rng = this.rng.fork();
    const config: RaftConfig = {
      id: node.id,
      peers: this.ids,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      random: (n) => rng.int(n),
      maxMsgEntries: this.maxMsgEntries,
      maxInflightMsgs: this.maxInflightMsgs,
    };
    const initial = node.storage.initialState();
    return this.options.createNode ? this.options.createNode(config, initial) : new RaftNode(config, initial);
  }

  private schedule(delay: number, event: SimEvent): void {
    this.queue.push(this.now + delay, event);
  }

  private describe(): string {
    return this.nodes
      .map((n) => {
        const s = n.raft.status();
        return `${n.id}:${n.up ? s.role : 'down'} t${s.term} c${s.commitIndex} a${s.appliedIndex} l${s.lastIndex} lead=${s.leader}`;
      })
      .join(', ');
  }
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}
