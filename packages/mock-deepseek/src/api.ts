// The mock's public surface: its startup options and the handle tests drive it with.

import type { MockBehaviour } from './behaviour.js';
import type { MockStats } from './control.js';
import type { DownMode } from './gate.js';
import type { KeyBehaviour } from './keys.js';
import type { IssuedUsage, KeyStats, ReceivedRequest } from './records.js';

export interface MockOptions extends MockBehaviour {
  /** [127.0.0.1] */
  host?: string;
  /** [0] 0 picks a random free port. */
  port?: number;
  /** [true] keep received requests in `received`. */
  record?: boolean;
  /** if set, the request's key (`Authorization: Bearer <key>` or `x-api-key`) must be this, else 401. */
  requireKey?: string;
  /** per-API-key behaviour: caps, refused or spent keys, balances, behaviour overrides. */
  keys?: Record<string, KeyBehaviour>;
  /** [false] start down: `503` answers every request with 503. */
  down?: false | '503';
}

export interface MockDeepSeek {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** peak in-flight requests seen, overall or for one body `user_id` */
  peakConcurrency(userId?: string): number;
  inFlight(): number;
  /** counts for one upstream API key (zeros for a key never seen) */
  keyStats(key: string): KeyStats;
  /** sum of the usage of every completed answer (streams: counted whether or not the usage chunk was sent) */
  issuedUsage(): IssuedUsage;
  /** requests whose client went away before the mock finished */
  abortedCount(): number;
  /** performance.now() of the last abort seen */
  lastAbortAt(): number | null;
  /** sets the run-time defaults: the startup options overlaid with `b` (so `setBehaviour({})` restores them) */
  setBehaviour(b: MockBehaviour): void;
  /** replaces one key's behaviour (null: back to an ordinary key) */
  setKey(key: string, b: KeyBehaviour | null): void;
  /** takes the mock down or brings it back; `refuse` closes the port and drops open connections */
  setDown(mode: DownMode): Promise<void>;
  /** counters and per-key stats in one object (also GET /_mock/stats) */
  stats(): MockStats;
  /** clears records and counters (not the behaviour) */
  reset(): void;
  /** closes the server and destroys open sockets */
  close(): Promise<void>;
}
