// The request path's shared types: what each stage takes and gives. Stages import these, never
// each other's internals; worker-wide services are in ../services and ../deps.ts.
import type { AttemptFailure, GatewayError, UsageCounts } from '@dsp/core';
import type { ApiFormat } from '../formats/api-format.js';
import type { Account } from '../accounts/account-set.js';

/** A route as data: its label and its API's format (credentials, headers, error shape). */
export interface Route {
  /** label for metrics and the ledger: the route template */
  name: string;
  format: ApiFormat;
}

/** A completion route: the one pipeline serves every completion route from this description. */
export interface CompletionRoute extends Route {
  /** upstream path below base_url */
  upstreamPath: string;
  /** body must carry messages (chat, Anthropic messages) or prompt (FIM) */
  kind: 'chat' | 'fim' | 'messages';
}

/** authenticate's output: who is asking, and the Redis keys of their state. */
export interface Identity {
  sub: string;
  jti: string;
  concurrency: number;
  /** null = the configured model list */
  models: ReadonlySet<string> | null;
  upstreamUserId: string;
  keyUser: string;
  keyRevoked: string;
  keyLeases: string;
}

/** parse's output: the client's request as it goes upstream. */
export interface ParsedRequest {
  /** the model the client asked for (the ledger's `model`) */
  model: string;
  /** the model sent upstream: `model`, or what an alias renames it to */
  upstreamModel: string;
  stream: boolean;
  /** the client asked for the usage chunk itself; if not, the gateway strips it */
  clientWantsUsage: boolean;
  body: Buffer;
}

/** Which models a request may name and what goes upstream for them. */
export interface ModelPolicy {
  /** the configured model list, for tokens without a models claim */
  models: ReadonlySet<string>;
  /** client name → upstream name */
  aliases: ReadonlyMap<string, string>;
  sendUserId: boolean;
}

/** admit's output: the slots the request holds until it is recorded. */
export interface Lease {
  id: string;
  /** the token (jti) the lease belongs to: its own spend counter is charged at the end */
  jti: string;
  key: string;
  dayKey: string;
  monthKey: string;
  dayTtl: number;
  monthTtl: number;
  /** false when Redis was down and on_redis_error = "allow": nothing to release */
  held: boolean;
  /** the upstream account the request goes to (changes on failover) */
  account: Account;
  /** the account's slot is held (a capped account, admitted through Redis) */
  accountHeld: boolean;
}

/** The upstream call's output (the last attempt's, after failover). */
export interface Outcome {
  /** status the client gets (or got); 499 when the client went away */
  status: number;
  usage: UsageCounts;
  firstByteMs: number | null;
  /** the whole response is known but not yet sent (non-stream, upstream errors) */
  body: Buffer | null;
  contentType: string;
  /** DeepSeek's response headers worth passing on (trace id, rate limits, retry-after) */
  headers: [string, string][];
  /** headers are out and bytes streamed; the response only needs its end */
  streamed: boolean;
  /** the stream's last bytes (`data: [DONE]`), sent with the end once the usage is durable */
  tail: Buffer | null;
  /** the upstream failed and nothing was sent yet */
  error: GatewayError | null;
  aborted: boolean;
  /** why the upstream attempt failed, for failover and the account's breaker; null when it answered */
  failure: AttemptFailure | null;
  /** upstream attempts made (failover adds one per account tried) */
  attempts: number;
}
