// The tracing interfaces the request path and the recorder hold: no OpenTelemetry here, so a
// gateway without tracing never loads the SDK (./otel.ts implements them, loaded on demand).
import type { GatewayError } from '@dsp/core';
import type { CompletionRoute, Outcome, ParsedRequest } from '../pipeline/types.js';

/** The client's W3C trace context headers ('' when absent). */
export interface HeaderSource {
  traceparent: string;
  tracestate: string;
}

/** One gateway request's span. */
export interface RequestTrace {
  /** a stage passed: `auth`, `admission` */
  event(name: string): void;
  /** what the client asked for (after parse) */
  request(up: ParsedRequest, userId: string): void;
  /** one upstream attempt: a child span whose context goes upstream */
  attempt(account: string): AttemptTrace;
  /** the span's `traceparent` when it is recorded (for the usage event), else null */
  recordedContext(): string | null;
  /** the request is answered (once) */
  end(status: number, error: GatewayError | null, o: Outcome | null): void;
}

export interface AttemptTrace {
  /** header name/value pairs for the upstream request (`traceparent`, `tracestate`) */
  readonly headers: readonly string[];
  /** the upstream's status line arrived */
  firstByte(status: number): void;
  /** upstream response bytes: the response id, model and finish reasons are read from them */
  observe(bytes: Buffer): void;
  end(status: number, failure: string | null): void;
}

export interface Tracing {
  /** the span of a request, or null when tracing is off; continues the client's `traceparent` */
  begin(head: HeaderSource, route: CompletionRoute): RequestTrace | null;
  /** exports what is buffered */
  shutdown(): Promise<void>;
}

/** The recorder's side: one span per ledger write, linked to the traced requests it records. */
export interface BatchTracing {
  /** null when no event of the batch was traced */
  batch(events: readonly { traceparent?: string }[]): { end(inserted: number, error: Error | null): void } | null;
  shutdown(): Promise<void>;
}
