import { InitialState, RaftConfig, RaftNode } from '../core/raft-node';
import { Entry, EntryType, Message, MessageType, NodeId, ReadState } from '../core/types';
import { SimulatedDisk } from './simulated-disk';
import { Prng } from './prng';

/** One node of an `InstantNetwork`: the core, its disk, and what its host applied and read. */
export interface HarnessNode {
  raft: RaftNode;
  readonly storage: SimulatedDisk;
  /** Committed entries in the order the host applied them. */
  applied: Entry[];
  readStates: ReadState[];
}

export interface InstantNetworkOptions {
  readonly electionTick?: number;
  readonly heartbeatTick?: number;
  readonly seed?: number;
  /** Per-node overrides of the configuration. */
  readonly configure?: (id: NodeId) => Partial<RaftConfig>;
  /** Per-node persisted state to start from (for the paper's log figures). */
  readonly initial?: (id: NodeId) => InitialState | undefined;
}

/**
 * A network for scenario tests, after etcd's raft_test `network`: messages are delivered at once, in order,
 * until nothing moves; links can be cut and message types dropped. Every host obeys the Ready protocol
 * (persist, send, apply, advance) with a `SimulatedDisk`.
 */
export class InstantNetwork {
  readonly nodes = new Map<NodeId, HarnessNode>();
  /** Every message handed to the network, delivered or not, in order. */
  readonly sent: Message[] = [];
  private queue: Message[] = [];
  private readonly cutLinks = new Set<string>();
  private readonly droppedTypes = new Set<MessageType>();
  /** Messages for which this returns false are dropped. */
  private filter: (m: Message) => boolean = () => true;
  private readonly rng: Prng;

  constructor(
    readonly ids: readonly NodeId[],
    private readonly options: InstantNetworkOptions = {},
  ) {
    this.rng = new Prng(options.seed ?? 1);
    for (const id of ids) {
      const storage = new SimulatedDisk();
      const initial = options.initial?.(id);
      if (initial) {
        storage.hardState = initial.hardState;
        storage.snapshot = initial.snapshot;
        storage.entries = [...initial.entries];
      }
      this.nodes.set(id, { raft: this.createRaft(id, initial), storage, applied: [], readStates: [] });
    }
  }

  raft(id: NodeId): RaftNode {
    return this.node(id).raft;
  }

  node(id: NodeId): HarnessNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`InstantNetwork: no node ${id}`);
    return node;
  }

  /** Start an election on `id` at once (a local Hup) and let the cluster settle. */
  campaign(id: NodeId): void {
    this.raft(id).step(localMessage(MessageType.Hup, id));
    this.stabilize();
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.raft(id).tick();
      this.stabilize();
    }
  }

  /** Tick every node `times` times, in id order, settling after each round. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of this.ids) this.raft(id).tick();
      this.stabilize();
    }
  }

  propose(id: NodeId, text: string): ReturnType<RaftNode['propose']> {
    const result = this.raft(id).propose(new TextEncoder().encode(text));
    this.stabilize();
    return result;
  }

  /** Deliver a message as if it came from the network, then settle. */
  deliver(m: Message): void {
    this.raft(m.to).step(m);
    this.stabilize();
  }

  cut(a: NodeId, b: NodeId): void {
    this.cutLinks.add(`${a}->${b}`);
    this.cutLinks.add(`${b}->${a}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) if (other !== id) this.cut(id, other);
  }

  dropType(type: MessageType): void {
    this.droppedTypes.add(type);
  }

  /** Drop every message for which `keep` returns false (until `heal`). */
  setFilter(keep: (m: Message) => boolean): void {
    this.filter = keep;
  }

  heal(): void {
    this.cutLinks.clear();
    this.droppedTypes.clear();
    this.filter = () => true;
  }

  /** Crash `id` and start it again from what its host persisted. */
  restart(id: NodeId): void {
    const node = this.node(id);
    node.raft = this.createRaft(id, node.storage.initialState());
    node.applied = [];
  }

  /** Run every host's Ready loop and deliver messages until the cluster is quiet. */
  stabilize(): void {
    for (let rounds = 0; rounds < 100_000; rounds++) {
      for (const id of this.ids) this.processReady(id);
      const m = this.queue.shift();
      if (!m) return;
      if (this.cutLinks.has(`${m.from}->${m.to}`) || this.droppedTypes.has(m.type) || !this.filter(m)) continue;
      this.nodes.get(m.to)?.raft.step(m);
    }
    throw new Error('InstantNetwork: the cluster did not settle');
  }

  /** One turn of a host's loop, exactly in the order the Ready protocol demands. */
  private processReady(id: NodeId): void {
    const node = this.node(id);
    while (node.raft.hasReady()) {
      const rd = node.raft.ready();
      node.storage.persist(rd);
      for (const m of rd.messages) {
        this.sent.push(m);
        this.queue.push(m);
      }
      node.applied.push(...rd.committed);
      node.readStates.push(...rd.readStates);
      node.raft.advance(rd);
    }
  }

  private createRaft(id: NodeId, initial: InitialState | undefined): RaftNode {
    const rng = this.rng.fork();
    return new RaftNode(
      {
        id,
        peers: this.ids,
        electionTick: this.options.electionTick ?? 10,
        heartbeatTick: this.options.heartbeatTick ?? 1,
        random: (n) => rng.int(n),
        ...this.options.configure?.(id),
      },
      initial,
    );
  }
}

/** A message the host gives its own node (term 0: no term checks). */
export function localMessage(type: MessageType, id: NodeId, extra: Partial<Message> = {}): Message {
  return {
    type,
    from: id,
    to: id,
    term: 0,
    index: 0,
    logTerm: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...extra,
  };
}

/** A peer message with defaults for the fields its type does not use. */
export function peerMessage(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return { index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...fields };
}

/** Entries with the given terms at indexes 1, 2, 3, ... (the paper's log figures). */
export function entriesOfTerms(terms: readonly number[]): Entry[] {
  return terms.map((term, k) => ({ index: k + 1, term, type: EntryType.Normal, data: new TextEncoder().encode(`${k + 1}@${term}`) }));
}

export function decode(entry: Entry): string {
  return new TextDecoder().decode(entry.data);
}
