export declare const TRACING_VARIABLES: readonly string[];
export declare const CONSOLE_VARIABLES: readonly string[];
export declare function observabilityEnv(app: string, source?: Record<string, string | undefined>): Record<string, string>;
