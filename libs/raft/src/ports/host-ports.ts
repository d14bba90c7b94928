import type { WalStats } from '../storage/file-wal';
import type { PeerTransport } from './peer-transport';
import type { RaftLogStorage } from './raft-log-storage';
import type { SnapshotStore } from './snapshot-store';

/** What `RaftHost.startWith` runs on: the durable log, the snapshot store and the transport to the peers. */
export interface HostPorts {
  storage: RaftLogStorage & { readonly stats?: WalStats };
  snapshots: SnapshotStore;
  transport: PeerTransport;
}
