// Request tracing behind a small interface. With `[tracing] otlp_endpoint` empty (the default) the
// pipeline holds NO_TRACING: `begin` returns null, every stage's `x.trace?.…` is a skipped call,
// and the OpenTelemetry SDK is never imported. Otherwise ./otel.ts (loaded on demand) makes one
// span per request with OpenTelemetry's GenAI attributes, events for the stages and a child span
// per upstream attempt, whose context goes upstream as `traceparent`.
import type { Config } from '@dsp/config';
import type { Logger } from '../log.js';
import type { BatchTracing, Tracing } from './types.js';

export type { AttemptTrace, BatchTracing, HeaderSource, RequestTrace, Tracing } from './types.js';

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
