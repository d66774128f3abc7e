export * from './errors.js';
export * from './keys.js';
export * from './periods.js';
export * from './usage.js';
export * from './claims.js';
export * from './jwt.js';
export * from './lua/index.js';
export * from './upstream-user.js';
