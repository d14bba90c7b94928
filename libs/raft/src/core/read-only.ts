import { Message, NodeId } from './types';

/** One ReadIndex request waiting for a quorum of heartbeat acknowledgements (thesis §6.4). */
export interface PendingRead {
  /** The leader's commit index when the request arrived: the read may be served once this is applied. */
  readonly index: number;
  /** The request (its `from` says whom to answer, its `context` identifies it). */
  readonly request: Message;
  readonly acks: Set<NodeId>;
}

/**
 * The leader's queue of ReadIndex requests. A heartbeat carries the context of the newest request; an
 * acknowledgement from a majority proves that no other leader existed when that request (and every one queued
 * before it) arrived, so all of them are released together.
 */
export class ReadOnly {
  private readonly pending = new Map<string, PendingRead>();
  // invariant: `queue` holds exactly the keys of `pending`, oldest first.
  private queue: string[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.queue.length;
  }

  /** Returns false when the context is already queued or the queue is full. */
  addRequest(index: number, request: Message): boolean {
    const context = request.context ?? '';
    if (this.pending.has(context) || this.queue.length >= this.capacity) return false;
    this.pending.set(context, { index, request, acks: new Set() });
    this.queue.push(context);
    return true;
  }

  /** Count an acknowledgement; returns how many distinct nodes acknowledged `context` (0 if unknown). */
  recvAck(from: NodeId, context: string): number {
    const read = this.pending.get(context);
    if (!read) return 0;
    read.acks.add(from);
    return read.acks.size;
  }

  /** Release `context` and every request queued before it. */
  advance(context: string): PendingRead[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const released = this.queue.slice(0, at + 1).map((ctx) => this.pending.get(ctx) as PendingRead);
    for (const ctx of this.queue.slice(0, at + 1)) this.pending.delete(ctx);
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  lastPendingContext(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
