export declare const SCENARIOS: readonly string[];
