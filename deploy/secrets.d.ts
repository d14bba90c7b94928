// Types of deploy/secrets.js (plain CommonJS so that scripts, the image and jest load it as is).
import type { StackSecrets } from './topology';

export declare const SECRET_NAMES: Readonly<Record<'ADMIN_TOKEN' | 'REGISTRY_TOKEN' | 'RAFT_SECRET' | 'REGISTRY_SERVICE_KEY' | 'KAFKA_CREDENTIAL_KEY' | 'OPERATOR_PASSWORD', keyof StackSecrets>>;
/** Environment variables of the apps that carry a secret. */
export declare const SECRET_VARIABLES: readonly string[];
export declare const REGISTRY_SERVICES: readonly string[];
export declare const KAFKA_USERS: readonly string[];
export declare function generateSecrets(): StackSecrets;
export declare function readSecrets(file: string): StackSecrets;
export declare function loadOrCreateSecrets(file: string): { secrets: StackSecrets; created: boolean };
export declare function serviceRegistryToken(registryServiceKey: string, service: string): string;
export declare function kafkaPassword(kafkaCredentialKey: string, user: string): string;
