/**
 * What production Raft added after the paper (docs/raft.md, "The checklist of tests"), plus the host-facing
 * contracts: flow control, the Ready protocol, proposals. Test names start with the section they check.
 */
import { decode, entriesOfTerms, InstantNetwork, localMessage, peerMessage } from '../testing/instant-network';
import { FIVE, singleNode, takeMessages, THREE } from '../testing/single-node';
import { InitialState, ProgressState, RaftConfig, RaftNode } from './raft-node';
import { MessageType, NodeId, Role } from './types';

const text = (s: string) => new TextEncoder().encode(s);

function withLog(terms: number[], term: number, commit = 0): InitialState {
  return { hardState: { term, vote: '', commit }, snapshot: null, entries: entriesOfTerms(terms) };
}

const newRaft = (overrides: Partial<RaftConfig> = {}, initial?: InitialState): RaftNode => singleNode(overrides, initial, 7);

function leaderOf(net: InstantNetwork): NodeId[] {
  return net.ids.filter((id) => net.raft(id).status().role === Role.Leader);
}

describe('Pre-vote and check-quorum (the seed: 脑裂 split brain)', () => {
  test('thesis §9.6 pre-vote: a node that was partitioned away does not raise the term of a healthy cluster', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.isolate('3');
    for (let i = 0; i < 100; i++) net.tick('3');
    expect(net.raft('3').status()).toMatchObject({ term: 1, role: Role.PreCandidate });
    net.heal();
    net.tickAll(30);
    expect(leaderOf(net)).toEqual(['1']);
    for (const id of THREE) expect(net.raft(id).status().term).toBe(1);

    // Without pre-vote and check-quorum (the paper's algorithm), the returning node deposes the leader.
    const plain = new InstantNetwork(THREE, { configure: () => ({ preVote: false, checkQuorum: false }) });
    plain.campaign('1');
    plain.isolate('3');
    for (let i = 0; i < 100; i++) plain.tick('3');
    expect(plain.raft('3').status().term).toBeGreaterThan(3);
    plain.heal();
    plain.tickAll(30);
    expect(plain.raft('1').status().term).toBeGreaterThan(3);
  });

  test('thesis §4.2.3 a follower that hears from its leader ignores vote requests, so a returning node cannot disrupt (Consul #1782)', () => {
    const r = newRaft({ id: '2' });
    r.step(peerMessage({ type: MessageType.Heartbeat, from: '1', to: '2', term: 1 }));
    takeMessages(r);
    r.step(peerMessage({ type: MessageType.Vote, from: '3', to: '2', term: 5, index: 10, logTerm: 1 }));
    r.step(peerMessage({ type: MessageType.PreVote, from: '3', to: '2', term: 5, index: 10, logTerm: 1 }));
    expect(r.status()).toMatchObject({ term: 1, leader: '1', vote: '' });
    expect(takeMessages(r)).toEqual([]);
    // Once the leader has been silent for an election timeout, the same request is heard.
    for (let i = 0; i < 10; i++) r.tick();
    r.step(peerMessage({ type: MessageType.PreVote, from: '3', to: '2', term: 5, index: 10, logTerm: 1 }));
    expect(takeMessages(r).filter((m) => m.type === MessageType.PreVoteResponse).map((m) => m.reject)).toEqual([false]);
  });

  test('thesis §6.2 check-quorum: a leader that has not heard from a majority within an election timeout steps down', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.isolate('1');
    net.tick('1', 9);
    expect(net.raft('1').status().role).toBe(Role.Leader);
    net.tick('1', 11);
    expect(net.raft('1').status()).toMatchObject({ role: Role.Follower, term: 1, leader: null });

    // A leader that hears from a majority stays.
    const healthy = new InstantNetwork(THREE);
    healthy.campaign('1');
    healthy.isolate('3');
    healthy.tick('1', 50);
    expect(healthy.raft('1').status().role).toBe(Role.Leader);
  });

  test('thesis §6.2 split brain (脑裂): a leader on the minority side never acknowledges a write, and its entries are replaced', () => {
    const net = new InstantNetwork(FIVE);
    net.campaign('1');
    for (const minority of ['1', '2']) for (const majority of ['3', '4', '5']) net.cut(minority, majority);
    const stale = net.propose('1', 'lost write');
    expect(stale.accepted).toBe(true);
    net.tickAll(25);
    expect(net.raft('1').status().role).toBe(Role.Follower); // check-quorum
    expect(leaderOf(net).length).toBe(1);
    const leader = leaderOf(net)[0];
    expect(['3', '4', '5']).toContain(leader);
    const fresh = net.propose(leader, 'kept write');
    net.tickAll(2);
    net.heal();
    net.tickAll(5);
    for (const id of FIVE) {
      const applied = net.node(id).applied.map(decode);
      expect(applied).toContain('kept write');
      expect(applied).not.toContain('lost write');
    }
    expect(fresh.accepted).toBe(true);
  });
});

describe('ReadIndex (the seed: reads at the leader)', () => {
  test('thesis §6.4 ReadIndex: a read confirms leadership with a heartbeat round; its index is the commit index of that moment', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.propose('1', 'x');
    const leader = net.raft('1');
    const commit = leader.status().commitIndex;
    leader.readIndex('read-1');
    const rd = leader.ready();
    expect(rd.readStates).toEqual([]);
    expect(rd.messages.map((m) => [m.type, m.to, m.context])).toEqual([
      [MessageType.Heartbeat, '2', 'read-1'],
      [MessageType.Heartbeat, '3', 'read-1'],
    ]);
    leader.advance(rd);
    // Entries committed after the read began do not move its index.
    leader.step(peerMessage({ type: MessageType.HeartbeatResponse, from: '2', to: '1', term: 1, context: 'read-1' }));
    expect(net.node('1').readStates).toEqual([]);
    net.stabilize();
    expect(net.node('1').readStates).toEqual([{ index: commit, context: 'read-1' }]);
  });

  test('thesis §6.4 ReadIndex: a leader cut off from the majority never answers', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.isolate('1');
    net.raft('1').readIndex('read-1');
    net.tick('1', 30);
    expect(net.node('1').readStates).toEqual([]);
  });

  test('thesis §6.4 ReadIndex: a new leader first commits an entry of its own term', () => {
    const net = new InstantNetwork(THREE, { initial: () => withLog([1, 1], 1, 1) });
    net.dropType(MessageType.Append);
    net.campaign('1');
    expect(net.raft('1').status()).toMatchObject({ role: Role.Leader, commitIndex: 1 });
    net.raft('1').readIndex('early');
    net.stabilize();
    // Entry 2 may be committed already, by the previous leader: the read must wait for the no-op.
    expect(net.node('1').readStates).toEqual([]);
    net.heal();
    net.tick('1', 2);
    expect(net.raft('1').status().commitIndex).toBe(3);
    expect(net.node('1').readStates).toEqual([{ index: 3, context: 'early' }]);
  });

  test('thesis §6.4 ReadIndex: a follower forwards a read to the leader and gets the read index back', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.propose('1', 'x');
    net.tickAll(1);
    net.raft('2').readIndex('on-follower');
    net.stabilize();
    expect(net.node('2').readStates).toEqual([{ index: net.raft('1').status().commitIndex, context: 'on-follower' }]);
    expect(net.node('1').readStates).toEqual([]);
  });
});

describe('Leadership transfer', () => {
  test('thesis §3.10 leadership transfer: the target is brought up to date, then told to campaign at once', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.isolate('3');
    for (const s of ['a', 'b', 'c']) net.propose('1', s);
    net.heal();
    const leader = net.raft('1');
    expect(leader.status().progress['3'].match).toBeLessThan(leader.status().lastIndex);
    const sentBefore = net.sent.length;
    expect(leader.transferLeadership('3')).toBe(true);
    net.stabilize();
    const sent = net.sent.slice(sentBefore);
    const timeoutNow = sent.findIndex((m) => m.type === MessageType.TimeoutNow && m.to === '3');
    const lastCatchUp = sent.map((m) => m.type === MessageType.Append && m.to === '3' && m.entries.length > 0).lastIndexOf(true);
    expect(lastCatchUp).toBeGreaterThanOrEqual(0);
    expect(timeoutNow).toBeGreaterThan(lastCatchUp);
    expect(net.raft('3').status()).toMatchObject({ role: Role.Leader, term: 2 });
    expect(net.node('3').storage.entries.map(decode)).toEqual(expect.arrayContaining(['a', 'b', 'c']));
    expect(net.raft('1').status()).toMatchObject({ role: Role.Follower, leader: '3' });
  });

  test('thesis §3.10 leadership transfer: proposals are refused while transferring; a transfer that does not finish within an election timeout is abandoned', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.isolate('3');
    const leader = net.raft('1');
    expect(leader.transferLeadership('3')).toBe(true);
    expect(leader.propose(text('x'))).toEqual({ accepted: false, reason: 'transferring', leader: '1' });
    net.tick('1', 10);
    expect(leader.status()).toMatchObject({ role: Role.Leader, leadTransferee: null });
    expect(leader.propose(text('x')).accepted).toBe(true);
    // Only a leader can transfer, and only to another voter.
    expect(net.raft('2').transferLeadership('3')).toBe(false);
    expect(leader.transferLeadership('9')).toBe(false);
    expect(leader.transferLeadership('1')).toBe(false);
  });
});

describe('Snapshots and log compaction', () => {
  test('§7 snapshots: a follower behind the compacted log receives InstallSnapshot and continues from there', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    net.isolate('3');
    for (let i = 0; i < 10; i++) net.propose('1', `v${i}`);
    net.tickAll(1);
    for (const id of ['1', '2']) {
      const applied = net.raft(id).status().appliedIndex;
      net.raft(id).compact(applied, text(`state@${applied}`));
      net.node(id).storage.compact({ metadata: { index: applied, term: 1, members: THREE }, data: text(`state@${applied}`) });
    }
    const snapshotIndex = net.raft('1').status().firstIndex - 1;
    expect(snapshotIndex).toBe(11);
    net.heal();
    net.tickAll(2);
    const snapshots = net.sent.filter((m) => m.type === MessageType.Snapshot);
    expect(snapshots.map((m) => [m.to, m.snapshot?.metadata.index])).toEqual([['3', snapshotIndex]]);
    expect(net.node('3').storage.snapshot?.metadata.index).toBe(snapshotIndex);
    expect(decode({ index: 0, term: 0, type: 0, data: net.node('3').storage.snapshot?.data ?? new Uint8Array() })).toBe('state@11');
    expect(net.raft('3').status()).toMatchObject({ commitIndex: snapshotIndex, appliedIndex: snapshotIndex });
    // Replication continues from the log after the snapshot.
    net.propose('1', 'after');
    net.tickAll(1);
    // Node 3 applied the no-op before it was cut off, then nothing until the snapshot, then the log again.
    expect(net.node('3').applied.map((e) => [e.index, decode(e)])).toEqual([
      [1, ''],
      [12, 'after'],
    ]);
    expect(net.raft('1').status().progress['3']).toMatchObject({ state: ProgressState.Replicate, match: 12 });
  });

  test('§7 a follower whose log already holds the snapshot last entry keeps the entries after it', () => {
    const r = newRaft({ id: '2' }, withLog([1, 1, 1], 1));
    const snapshot = { metadata: { index: 2, term: 1, members: THREE }, data: text('s') };
    r.step(peerMessage({ type: MessageType.Snapshot, from: '1', to: '2', term: 1, snapshot }));
    const rd = r.ready();
    expect(rd.snapshot).toBeNull();
    expect(r.status()).toMatchObject({ lastIndex: 3, commitIndex: 2 });
    expect(rd.messages.map((m) => [m.type, m.index, m.reject])).toEqual([[MessageType.AppendResponse, 2, false]]);
    r.advance(rd);
  });

  test('§7 a restarted node recovers from its snapshot and the log after it, and applies again what its state machine lacks', () => {
    const snapshot = { metadata: { index: 5, term: 2, members: THREE }, data: text('s') };
    const entries = [6, 7, 8].map((index) => ({ index, term: 3, type: 0, data: text(`e${index}`) }));
    const r = newRaft({}, { hardState: { term: 3, vote: '2', commit: 7 }, snapshot, entries });
    expect(r.status()).toMatchObject({ firstIndex: 6, lastIndex: 8, commitIndex: 7, appliedIndex: 5, term: 3, vote: '2' });
    const rd = r.ready();
    expect(rd.committed.map((e) => e.index)).toEqual([6, 7]);
    expect(rd.entries).toEqual([]);
    r.advance(rd);
    expect(() => r.compact(8, text('x'))).toThrow(/not applied/);
  });
});

describe('Persistence and the Ready protocol', () => {
  test('Figure 2 persistence: term, vote and log entries are durable before any message that depends on them leaves', () => {
    const r = newRaft({ id: '2' });
    r.step(peerMessage({ type: MessageType.Vote, from: '1', to: '2', term: 1 }));
    const vote = r.ready();
    // The grant travels in the same Ready as the vote it depends on, and that Ready must be fsynced first.
    expect(vote.hardState).toEqual({ term: 1, vote: '1', commit: 0 });
    expect(vote.mustSync).toBe(true);
    expect(vote.messages.map((m) => [m.type, m.reject])).toEqual([[MessageType.VoteResponse, false]]);
    r.advance(vote);

    r.step(peerMessage({ type: MessageType.Append, from: '1', to: '2', term: 1, entries: entriesOfTerms([1]), commit: 1 }));
    const append = r.ready();
    expect(append.entries.map((e) => e.index)).toEqual([1]);
    expect(append.mustSync).toBe(true);
    expect(append.messages.map((m) => [m.type, m.index])).toEqual([[MessageType.AppendResponse, 1]]);
    r.advance(append);

    // A commit-only change needs no fsync.
    r.step(peerMessage({ type: MessageType.Heartbeat, from: '1', to: '2', term: 1, commit: 1 }));
    expect(r.ready().mustSync).toBe(false);

    // After a restart from what was persisted, the vote of term 1 still binds.
    const restarted = newRaft({ id: '2' }, { hardState: vote.hardState ?? { term: 0, vote: '', commit: 0 }, snapshot: null, entries: [] });
    restarted.step(peerMessage({ type: MessageType.Vote, from: '3', to: '2', term: 1 }));
    expect(takeMessages(restarted).map((m) => m.reject)).toEqual([true]);
  });

  test('Ready protocol: inputs between ready() and advance() land in the next Ready; ready() twice without advance() throws', () => {
    const r = newRaft({ peers: ['1'] });
    r.step(localMessage(MessageType.Hup, '1'));
    const first = r.ready();
    expect(first.softState.role).toBe(Role.Leader);
    expect(r.hasReady()).toBe(false);
    expect(() => r.ready()).toThrow(/not advanced/);
    const proposed = r.propose(text('during fsync'));
    r.advance(first);
    const second = r.ready();
    expect(second.entries.map(decode)).toEqual(['during fsync']);
    expect(second.committed.map(decode)).toEqual(['during fsync']);
    expect(proposed).toMatchObject({ accepted: true, index: 2, term: 1 });
    r.advance(second);
    expect(() => r.advance(second)).toThrow(/not the outstanding/);
  });

  test('§5.3 a proposal is accepted only by the leader; a follower names the leader it knows', () => {
    const net = new InstantNetwork(THREE);
    net.campaign('1');
    expect(net.raft('2').propose(text('x'))).toEqual({ accepted: false, reason: 'not-leader', leader: '1' });
    const bounded = newRaft({ peers: ['1', '2'], maxUncommittedEntries: 2, preVote: false });
    bounded.step(localMessage(MessageType.Hup, '1'));
    bounded.step(peerMessage({ type: MessageType.VoteResponse, from: '2', to: '1', term: 1 }));
    expect(bounded.propose(text('a')).accepted).toBe(true); // the no-op and 'a' are uncommitted
    expect(bounded.propose(text('b'))).toEqual({ accepted: false, reason: 'overloaded', leader: '1' });
  });

  test('§5.2 a single-node cluster elects itself and commits at once', () => {
    const net = new InstantNetwork(['1']);
    net.tick('1', 20);
    expect(net.raft('1').status()).toMatchObject({ role: Role.Leader, term: 1 });
    const result = net.propose('1', 'x');
    expect(result).toMatchObject({ accepted: true, index: 2 });
    expect(net.node('1').applied.map(decode)).toEqual(['', 'x']);
    net.raft('1').readIndex('solo');
    net.stabilize();
    expect(net.node('1').readStates).toEqual([{ index: 2, context: 'solo' }]);
  });
});

describe('Flow control and backtracking', () => {
  test('§5.3 flow control: at most maxInflightMsgs Appends are in flight to a follower, each with at most maxMsgEntries entries', () => {
    const net = new InstantNetwork(THREE, { configure: () => ({ maxInflightMsgs: 2, maxMsgEntries: 3 }) });
    net.campaign('1');
    expect(net.raft('1').status().progress['2'].state).toBe(ProgressState.Replicate);
    net.dropType(MessageType.AppendResponse);
    const before = net.sent.length;
    // Proposals made between two Readies are batched into the same Appends.
    for (let i = 0; i < 20; i++) net.raft('1').propose(text(`p${i}`));
    net.stabilize();
    const appends = net.sent.slice(before).filter((m) => m.type === MessageType.Append && m.to === '2');
    expect(appends.map((m) => m.entries.length)).toEqual([3, 3]);
    net.heal();
    net.tickAll(12);
    expect(net.raft('2').status().lastIndex).toBe(21);
    const all = net.sent.filter((m) => m.type === MessageType.Append);
    expect(Math.max(...all.map((m) => m.entries.length))).toBeLessThanOrEqual(3);
  });

  test('§5.3 flow control: an Append carries about maxMsgBytes of entries, and at least one', () => {
    const net = new InstantNetwork(THREE, { configure: () => ({ maxMsgBytes: 250 }) });
    net.campaign('1');
    net.isolate('2');
    for (let i = 0; i < 6; i++) net.propose('1', 'x'.repeat(100));
    net.propose('1', 'y'.repeat(1000));
    net.heal();
    const before = net.sent.length;
    net.tickAll(10);
    const appends = net.sent.slice(before).filter((m) => m.type === MessageType.Append && m.to === '2' && m.entries.length > 0);
    expect(appends.map((m) => m.entries.length)).toEqual([2, 2, 2, 1]);
    expect(net.raft('2').status().lastIndex).toBe(8);
  });

  test('§5.3 flow control: a leader probing a follower sends one Append at a time until it answers', () => {
    const r = newRaft({ preVote: false });
    r.step(localMessage(MessageType.Hup, '1'));
    r.step(peerMessage({ type: MessageType.VoteResponse, from: '2', to: '1', term: 1 }));
    expect(takeMessages(r).filter((m) => m.type === MessageType.Append).length).toBe(2);
    for (let i = 0; i < 3; i++) r.propose(text(`p${i}`));
    expect(takeMessages(r).filter((m) => m.type === MessageType.Append)).toEqual([]);
    expect(r.status().progress['2'].state).toBe(ProgressState.Probe);
    // A heartbeat answer shows the follower is alive: probe once more.
    r.step(peerMessage({ type: MessageType.HeartbeatResponse, from: '2', to: '1', term: 1 }));
    expect(takeMessages(r).map((m) => [m.type, m.to, m.index, m.entries.length])).toEqual([[MessageType.Append, '2', 0, 4]]);
  });

  test('§5.3 fast backtracking: a follower with a long divergent log is repaired in one round trip per term, not per entry', () => {
    const logs: Record<NodeId, number[]> = {
      L: [1, ...Array<number>(50).fill(3)],
      F: [1, ...Array<number>(80).fill(2)], // 80 entries of a term the leader never saw
      G: [1, ...Array<number>(50).fill(3)],
    };
    const net = new InstantNetwork(Object.keys(logs), { initial: (id) => withLog(logs[id], 3) });
    net.campaign('L');
    expect(net.raft('L').status().role).toBe(Role.Leader);
    const rejections = net.sent.filter((m) => m.type === MessageType.AppendResponse && m.from === 'F' && m.reject);
    // One refusal: its hint (term 2) lets the leader skip straight past its own entries of term 3.
    expect(rejections.length).toBe(1);
    expect(net.node('F').storage.entries.map((e) => e.term)).toEqual([...logs.L, 4]);
  });
});
