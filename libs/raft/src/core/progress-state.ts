export enum ProgressState {
  /** The leader does not know where the follower's log matches; it sends one Append at a time. */
  Probe = 'probe',
  /** The logs match up to `match`; the leader streams Appends, bounded by the in-flight window. */
  Replicate = 'replicate',
  /** The follower needs entries that were compacted away; a snapshot is on its way. */
  Snapshot = 'snapshot',
}
