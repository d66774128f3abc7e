// The OpenTelemetry side of ./tracing.ts (loaded only when tracing is on): the official SDK,
// OTLP/HTTP JSON to `<otlp_endpoint>/v1/traces`, parent-based sampling at `sample_ratio`.
import 'server-only';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Config } from '@dsp/config';
import type { ApiSpan } from './api-span';

const fromHeaders: TextMapGetter<Headers> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (h, key) => h.get(key) ?? undefined,
};

export function createAdminTracing(c: Config['tracing']) {
  const base = c.otlp_endpoint.replace(/\/+$/, '');
  const url = base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'deepseek-proxy-admin', 'service.namespace': c.service_name }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(c.sample_ratio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('deepseek-proxy-admin');
  const propagator = new W3CTraceContextPropagator();
  return (headers: Headers, method: string, route: string): ApiSpan => {
    const span = tracer.startSpan(
      `${method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route } },
      propagator.extract(ROOT_CONTEXT, headers, fromHeaders),
    );
    return {
      end(status, apiKeyName) {
        span.setAttribute('http.response.status_code', status);
        if (apiKeyName) span.setAttribute('dsp.api_key', apiKeyName);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  };
}
