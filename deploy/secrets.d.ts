// Types of deploy/secrets.js (plain CommonJS so that scripts, the image and jest load it as is).
import type { StackSecrets } from './topology';

export declare const SECRET_NAMES: Readonly<Record<'ADMIN_TOKEN' | 'REGISTRY_TOKEN' | 'RAFT_SECRET' | 'OPERATOR_PASSWORD', keyof StackSecrets>>;
export declare function generateSecrets(): StackSecrets;
export declare function readSecrets(file: string): StackSecrets;
export declare function loadOrCreateSecrets(file: string): { secrets: StackSecrets; created: boolean };
