import type { Snapshot } from '../core/types';

/**
 * Snapshots of the state machine (Raft §7).
 *
 * Contract:
 * - `save` is atomic: after a crash either the new snapshot is complete and listed, or it does not exist. Once
 *   the promise resolves it survives a crash. The store keeps the newest few (at least 2) and deletes older ones.
 * - `latest` returns the newest snapshot whose checksum holds; one that fails is reported in `rejected` (the
 *   caller logs it) and the next older one is used, which is why the WAL is only compacted up to the older of
 *   the kept snapshots.
 */
export interface SnapshotStore {
  save(snapshot: Snapshot): Promise<void>;
  latest(): Promise<{ snapshot: Snapshot | null; rejected: readonly { file: string; reason: string }[] }>;
  /** Index and term of every kept snapshot, oldest first. */
  list(): Promise<{ index: number; term: number }[]>;
}
