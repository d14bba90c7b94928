/**
 * The replicated state machine (hashicorp's FSM). Contract: `apply` is deterministic -- the same entries in the
 * same order give the same state and results on every node, so it must not read clocks, randomness or anything
 * outside the state and the entry (a thrown error is a result too, and must be thrown on every node alike).
 * `snapshot` captures the state after the last applied entry; `restore` replaces the state with one.
 */
export interface StateMachine {
  apply(entry: { index: number; data: Uint8Array }): unknown;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
}
