// What differs between the two API formats DeepSeek serves (OpenAI's and Anthropic's), as data the
// one pipeline reads: where the client's token is, which request headers go upstream, how the
// account's key is sent, where the per-user id goes, how usage is read and how errors look.
import type { GatewayError, UsageCounts } from '@dsp/core';
import type { RequestHead } from '../http/request-head.js';
import type { Account } from '../accounts/account-set.js';

/** Reads usage out of a stream as it passes through, holding back only its last event for the end. */
export interface StreamUsageReader {
  /** bytes to forward now (possibly empty) */
  push(chunk: Buffer): Buffer;
  /** what was held back, sent with the end once the usage is durable */
  flush(): Buffer | null;
  /** the usage seen so far (an aborted stream is recorded with it) */
  counts(): UsageCounts;
}

export interface ApiFormat {
  readonly name: 'openai' | 'anthropic';
  /** request headers copied from the client (lower-case); `forward` ones also go upstream */
  readonly readHeaders: readonly string[];
  readonly forward: readonly string[];
  /** the client's token from the request head; throws invalid_token */
  credential(head: RequestHead): string;
  /** the account's content-type and key headers, in this format's form */
  accountHeaders(account: Account): readonly string[];
  /** sets DeepSeek's per-user id in the upstream body (the client's own end-user id, if any, is folded in) */
  setUserId(body: Record<string, unknown>, gatewayUserId: string): void;
  /** the client asks for the stream's usage itself (OpenAI: `stream_options.include_usage`); may rewrite the body */
  prepareStream(body: Record<string, unknown>): boolean;
  streamReader(clientWantsUsage: boolean): StreamUsageReader;
  jsonUsage(body: Buffer): UsageCounts;
  /** the body of an error the gateway itself answers with */
  errorBody(e: GatewayError): string;
  /** the frame that ends a stream the upstream broke off */
  streamError(e: GatewayError): Buffer;
}
