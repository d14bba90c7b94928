import { ProgressState } from './progress-state';

export { ProgressState };

/**
 * A bounded window of Append messages in flight to one follower (flow control). Each slot holds the last index
 * a message carried; an acknowledgement of index i frees every slot <= i.
 */
export class Inflights {
  private readonly slots: number[];
  private start = 0;
  // invariant: 0 <= count <= capacity
  private count = 0;

  constructor(private readonly capacity: number) {
    if (capacity < 1) throw new Error('Inflights: capacity must be at least 1');
    this.slots = new Array<number>(capacity).fill(0);
  }

  get size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  /** Record a message whose last entry is `lastIndex`; indexes must be added in increasing order. */
  add(lastIndex: number): void {
    if (this.full()) throw new Error('Inflights: window is full');
    this.slots[(this.start + this.count) % this.capacity] = lastIndex;
    this.count++;
  }

  /** The follower acknowledged everything up to `index`. */
  freeLE(index: number): void {
    while (this.count > 0 && this.slots[this.start] <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Free the oldest slot: a heartbeat response proves the follower is alive, so a lost Append must not block
   *  the window forever. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

/**
 * What the leader knows of one follower's log (Raft Figure 2, nextIndex and matchIndex), plus the flow control
 * state of etcd's raft: Probe (one message per heartbeat until the match point is found), Replicate (stream,
 * bounded by `inflights`), Snapshot (wait for the snapshot to land).
 */
export class Progress {
  // invariant: match < next
  match = 0;
  next: number;
  state = ProgressState.Probe;
  /** Probe: a message was sent and no answer came yet; the next one waits for an answer or a heartbeat. */
  probeSent = false;
  /** Snapshot: index of the snapshot in flight. */
  pendingSnapshot = 0;
  /** Snapshot: leader ticks since the snapshot was sent; a lost snapshot is retried after an election timeout. */
  snapshotTicks = 0;
  /** The follower answered something since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot: probe from just after it.
    const from = this.state === ProgressState.Snapshot ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.resetState(ProgressState.Probe);
    this.next = from;
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An Append carrying `entryCount` entries up to `lastIndex` went out. */
  sentEntries(entryCount: number, lastIndex: number): void {
    if (this.state === ProgressState.Replicate) {
      if (entryCount > 0) {
        // Pipelining: assume success and send the next batch without waiting.
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === ProgressState.Probe) {
      this.probeSent = true;
    }
  }

  /** The follower acknowledged `index`. Returns whether that was news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * The follower rejected an Append whose previous index was `rejected`; `hint` is the highest index that may
   * still match (fast backtracking, Raft §5.3 "the follower can include the term of the conflicting entry").
   * Returns false for a stale rejection (one that answers an older message).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader must hold back Appends to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }
}
