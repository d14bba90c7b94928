import { Entry, EntryType, HardState, Message, MessageType } from '../core/types';
import { MemoryLogStorage, MemorySnapshotStore } from '../storage/memory-storage';
import type { PeerTransport } from '../ports/peer-transport';
import type { StateMachine } from '../ports/state-machine';
import type { TransportEvents } from '../ports/transport';
import { RaftHost } from './raft-host';

/**
 * Persistence before messages (Raft Figure 2; the checklist's "Persistence" line): the host must not let a message
 * leave before the hard state and entries it depends on are durable. The storage here holds every save until the
 * test opens its gate, and records what was durable at the moment each message was handed to the transport.
 */
class GatedStorage extends MemoryLogStorage {
  private openGate!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));
  savesStarted = 0;
  durable: HardState = { term: 0, vote: '', commit: 0 };
  durableLastIndex = 0;

  open(): void {
    this.openGate();
  }

  override async save(update: { hardState: HardState | null; entries: readonly Entry[] }): Promise<void> {
    this.savesStarted++;
    await this.gate;
    await super.save(update);
    this.durable = this.hardState();
    this.durableLastIndex = this.lastIndex();
  }
}

class RecordingTransport implements PeerTransport {
  events: TransportEvents | null = null;
  sent: { msg: Message; durable: HardState; durableLastIndex: number }[] = [];

  constructor(private readonly storage: GatedStorage) {}

  attach(events: TransportEvents): void {
    this.events = events;
  }

  send(messages: readonly Message[]): void {
    for (const msg of messages) {
      this.sent.push({ msg, durable: this.storage.durable, durableLastIndex: this.storage.durableLastIndex });
    }
  }

  async close(): Promise<void> {}
}

const machine: StateMachine = { apply: () => undefined, snapshot: () => new Uint8Array(), restore: () => undefined };
const peers = { n1: 'http://n1', n2: 'http://n2', n3: 'http://n3' };

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function message(overrides: Partial<Message> & Pick<Message, 'type'>): Message {
  return { from: 'n2', to: 'n1', term: 1, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...overrides };
}

describe('RaftHost: persistence before messages', () => {
  let host: RaftHost;
  afterEach(() => host.stop());

  it('Raft §5.2: a candidate\'s term and self-vote are durable before its vote requests leave', async () => {
    const storage = new GatedStorage();
    const transport = new RecordingTransport(storage);
    host = RaftHost.startWith({ id: 'n1', peers, stateMachine: machine, tickMs: 2, electionTicks: 3 }, { storage, snapshots: new MemorySnapshotStore(), transport }, null);

    await until('a pre-vote request', () => transport.sent.some((s) => s.msg.type === MessageType.PreVote));
    const preVote = transport.sent.find((s) => s.msg.type === MessageType.PreVote)!.msg;
    transport.events!.onMessage(message({ type: MessageType.PreVoteResponse, term: preVote.term }));

    await until('the candidate saving its vote', () => storage.savesStarted > 0);
    expect(transport.sent.filter((s) => s.msg.type === MessageType.Vote)).toEqual([]);

    storage.open();
    await until('vote requests', () => transport.sent.some((s) => s.msg.type === MessageType.Vote));
    for (const { msg, durable } of transport.sent.filter((s) => s.msg.type === MessageType.Vote)) {
      expect({ term: durable.term, vote: durable.vote }).toEqual({ term: msg.term, vote: 'n1' });
    }
  });

  it('Raft §5.3: a follower acknowledges entries only once they are durable', async () => {
    const storage = new GatedStorage();
    const transport = new RecordingTransport(storage);
    host = RaftHost.startWith({ id: 'n1', peers, stateMachine: machine, tickMs: 2, electionTicks: 10_000 }, { storage, snapshots: new MemorySnapshotStore(), transport }, null);

    const entries: Entry[] = [1, 2, 3].map((index) => ({ index, term: 1, type: EntryType.Normal, data: new Uint8Array([index]) }));
    transport.events!.onMessage(message({ type: MessageType.Append, entries }));

    await until('the follower saving the entries', () => storage.savesStarted > 0);
    expect(transport.sent.filter((s) => s.msg.type === MessageType.AppendResponse)).toEqual([]);

    storage.open();
    await until('an acknowledgement', () => transport.sent.some((s) => s.msg.type === MessageType.AppendResponse));
    const ack = transport.sent.find((s) => s.msg.type === MessageType.AppendResponse)!;
    expect(ack.msg).toMatchObject({ reject: false, index: 3 });
    expect(ack.durableLastIndex).toBeGreaterThanOrEqual(3);
  });

  it('drops local-only message types that arrive from the network', async () => {
    const storage = new GatedStorage();
    storage.open();
    const transport = new RecordingTransport(storage);
    host = RaftHost.startWith({ id: 'n1', peers, stateMachine: machine, tickMs: 2, electionTicks: 10_000 }, { storage, snapshots: new MemorySnapshotStore(), transport }, null);
    transport.events!.onMessage(message({ type: MessageType.Hup, term: 0 }));
    transport.events!.onMessage(message({ type: MessageType.Hup, term: 7 }));
    expect(host.metrics().host.droppedLocalOnly).toBe(2);
  });
});

/** Holds each save until the test releases it, so that a test can look at what happened while an fsync ran. */
class HeldStorage extends MemoryLogStorage {
  hold = false;
  private readonly held: (() => void)[] = [];
  durableLastIndex = 0;

  get savesWaiting(): number {
    return this.held.length;
  }

  releaseAll(): void {
    for (const release of this.held.splice(0)) release();
  }

  override async save(update: { hardState: HardState | null; entries: readonly Entry[] }): Promise<void> {
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    await super.save(update);
    this.durableLastIndex = this.lastIndex();
  }
}

describe('RaftHost: a leader replicates while its own fsync runs (thesis §10.2.1)', () => {
  let host: RaftHost;
  let storage: HeldStorage;
  afterEach(() => {
    storage.hold = false;
    storage.releaseAll();
    return host.stop();
  });

  /** n1 wins an election with n2's votes; n2 acknowledges the empty entry of the new term, n3 stays silent. */
  async function electedLeader(transport: RecordingTransport): Promise<number> {
    host = RaftHost.startWith({ id: 'n1', peers, stateMachine: machine, tickMs: 2, electionTicks: 3 }, { storage, snapshots: new MemorySnapshotStore(), transport }, null);
    await until('a pre-vote request', () => transport.sent.some((s) => s.msg.type === MessageType.PreVote));
    const preVote = transport.sent.find((s) => s.msg.type === MessageType.PreVote)!.msg;
    transport.events!.onMessage(message({ type: MessageType.PreVoteResponse, term: preVote.term }));
    await until('a vote request', () => transport.sent.some((s) => s.msg.type === MessageType.Vote));
    const vote = transport.sent.find((s) => s.msg.type === MessageType.Vote)!.msg;
    transport.events!.onMessage(message({ type: MessageType.VoteResponse, term: vote.term }));
    await until('leadership', () => host.status().role === 'leader');
    await until("the new leader's empty entry on disk", () => storage.durableLastIndex >= 1);
    transport.events!.onMessage(message({ type: MessageType.AppendResponse, term: vote.term, index: storage.lastIndex() }));
    await until('the empty entry applied', () => host.status().appliedIndex >= 1);
    return vote.term;
  }

  it('sends a new entry to the followers before its own save completes, and answers the proposer only after it', async () => {
    storage = new HeldStorage();
    const transport = new RecordingTransport(new GatedStorage());
    const term = await electedLeader(transport);

    storage.hold = true;
    let answered = false;
    const proposal = host.propose(new Uint8Array([7])).then((outcome) => {
      answered = true;
      return outcome;
    });
    await until('the leader saving the entry', () => storage.savesWaiting > 0);
    const appends = () => transport.sent.filter((s) => s.msg.type === MessageType.Append && s.msg.to === 'n2' && s.msg.entries.some((e) => e.data[0] === 7));
    await until('the entry sent to the follower that answers', () => appends().length === 1);

    // A follower's acknowledgement makes a majority in memory, but the leader's own copy is not durable yet.
    const index = appends()[0]!.msg.entries.at(-1)!.index;
    transport.events!.onMessage(message({ type: MessageType.AppendResponse, term, index }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    expect(storage.durableLastIndex).toBeLessThan(index);

    storage.hold = false;
    storage.releaseAll();
    await expect(proposal).resolves.toMatchObject({ index });
    expect(storage.durableLastIndex).toBeGreaterThanOrEqual(index);
  });
});
