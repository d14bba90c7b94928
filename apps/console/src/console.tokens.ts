/** Injection tokens of the console's values that are not classes (console.module.ts provides them). */
export const CONSOLE_CONFIG = Symbol('ConsoleConfig');
export const PROOF_FOR = Symbol('ProofFor');
