/** How the primary tells a forked process its role (env vars without the DSP_ config prefix). */
export const ROLE_ENV = 'DSPW_ROLE';
export const SLOT_ENV = 'DSPW_SLOT';
/** The primary's message telling an HTTP worker to reload its accounts (SIGHUP or the console). */
export const RELOAD_MESSAGE = 'dsp:accounts-reload';
/** An HTTP worker's refusal counts of the last interval, for the primary to queue (usage/refusal-tally.ts). */
export const REFUSALS_MESSAGE = 'dsp:refusals';
