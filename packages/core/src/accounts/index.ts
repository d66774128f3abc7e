export * from './mask.js';
export * from './breaker.js';
export * from './failover.js';
export * from './select.js';
export * from './balance.js';
export * from './disabled.js';
export * from './low.js';
