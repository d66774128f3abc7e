// Request tracing behind a small interface. With `[tracing] otlp_endpoint` empty (the default) the
// pipeline holds NO_TRACING: `begin` returns null, every stage's `x.trace?.…` is a skipped call,
// and the OpenTelemetry SDK is never imported. Otherwise ./otel.ts (loaded on demand) makes one
// span per request with OpenTelemetry's GenAI attributes, events for the stages and a child span
// per upstream attempt, whose context goes upstream as `traceparent`.
import type { Config } from '@dsp/config';
import type { GatewayError } from '@dsp/core';
import type { Logger } from '../log.js';
import type { Route } from '../pipeline/exchange.js';
import type { Upstream } from '../pipeline/parse.js';
import type { Outcome } from '../pipeline/proxy.js';

/** Where the client's trace context is read from (uWS's request, before any await). */
export interface HeaderSource {
  getHeader(lowerCaseName: string): string;
}

/** One gateway request's span. */
export interface RequestTrace {
  /** a stage passed: `auth`, `admission` */
  event(name: string): void;
  /** what the client asked for (after parse) */
  request(up: Upstream, userId: string): void;
  /** one upstream attempt: a child span whose context goes upstream */
  attempt(account: string): AttemptTrace;
  /** the span's `traceparent` when it is recorded (for the usage event), else null */
  recordedContext(): string | null;
  /** the request is answered (once) */
  end(status: number, error: GatewayError | null, o: Outcome | undefined, attempts: number): void;
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
  /** the span of a request, or null when tracing is off; reads the client's `traceparent` (call before any await) */
  begin(req: HeaderSource, route: Route): RequestTrace | null;
  /** exports what is buffered */
  shutdown(): Promise<void>;
}

/** The recorder's side: one span per ledger write, linked to the traced requests it records. */
export interface BatchTracing {
  /** null when no event of the batch was traced */
  batch(events: readonly { traceparent?: string }[]): { end(inserted: number, error: Error | null): void } | null;
  shutdown(): Promise<void>;
}

/** null when `[tracing] otlp_endpoint` is empty (the SDK is then not loaded). */
export async function createBatchTracing(config: Config, instance: string): Promise<BatchTracing | null> {
  if (!config.tracing.otlp_endpoint) return null;
  const { createOtelBatchTracing } = await import('./otel.js');
  return createOtelBatchTracing(config.tracing, instance);
}

export const NO_TRACING: Tracing = {
  begin: () => null,
  shutdown: async () => {},
};

/** NO_TRACING when `[tracing] otlp_endpoint` is empty, else the SDK-backed tracing (imported only then). */
export async function createTracing(config: Config, log: Logger, instance: string): Promise<Tracing> {
  if (!config.tracing.otlp_endpoint) return NO_TRACING;
  const { createOtelTracing } = await import('./otel.js');
  const t = createOtelTracing(config.tracing, instance);
  log.info({ endpoint: t.url, sample_ratio: config.tracing.sample_ratio }, 'tracing: exporting spans over OTLP/HTTP');
  return t;
}
