export declare const SAGA_TOPIC_PARTITIONS: number;
export declare const PARTITIONS_CONSUMED_CONCURRENTLY: number;
