// The gateway's Lua scripts, one module each with its KEYS/ARGV layout, encoder and decoder.
export * from './script.js';
export * from './access.js';
export * from './account.js';
export * from './admit.js';
export * from './finish.js';
export * from './renew.js';
export * from './unadmit.js';

import { ACCESS } from './access.js';
import { ACCOUNT_ACQUIRE, ACCOUNT_RELEASE } from './account.js';
import { ADMIT } from './admit.js';
import { FINISH, FINISH_NO_OUTBOX } from './finish.js';
import { RENEW, RENEW_MANY } from './renew.js';
import { UNADMIT } from './unadmit.js';

/** Every script the gateway runs; their names are unique (a test checks it). */
export const SCRIPTS = [ADMIT, ACCESS, FINISH, FINISH_NO_OUTBOX, RENEW, RENEW_MANY, UNADMIT, ACCOUNT_ACQUIRE, ACCOUNT_RELEASE] as const;
