// The OpenTelemetry side of ./tracing.ts, loaded only when tracing is on. No global registration:
// contexts are passed explicitly (no async-hooks context manager on the request path), the
// client's `traceparent` is extracted by the W3C propagator and the attempt's injected upstream.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Config } from '@dsp/config';
import type { GatewayError } from '@dsp/core';
import { VERSION } from '../version.js';
import type { CompletionRoute, Outcome, ParsedRequest } from '../pipeline/types.js';
import type { AttemptTrace, BatchTracing, HeaderSource, RequestTrace, Tracing } from './types.js';

const propagator = new W3CTraceContextPropagator();
const fromHead: TextMapGetter<HeaderSource> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (head, key) => (key === 'traceparent' ? head.traceparent : key === 'tracestate' ? head.tracestate : '') || undefined,
};
const intoPairs: TextMapSetter<string[]> = { set: (pairs, key, value) => void pairs.push(key, value) };

/** The OTLP/HTTP traces URL of a collector endpoint (`<endpoint>/v1/traces` unless it says so already). */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** The recorder's spans: always recorded when a batch holds a traced request (that trace was sampled). */
export function createOtelBatchTracing(c: Config['tracing'], instance: string): BatchTracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': c.service_name, 'service.version': VERSION, 'service.instance.id': instance }),
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(c.otlp_endpoint) }), { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('deepseek-proxy-recorder', VERSION);
  return {
    batch(events) {
      const links = [];
      for (const e of events) {
        if (!e.traceparent) continue;
        const ctx = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { traceparent: e.traceparent }, fromRecord));
        if (ctx) links.push({ context: ctx });
        if (links.length >= 128) break;
      }
      if (links.length === 0) return null;
      const span = tracer.startSpan('usage.record', {
        kind: SpanKind.CONSUMER,
        links,
        attributes: { 'dsp.events': events.length, 'db.system.name': 'postgresql' },
      });
      return {
        end(inserted, error) {
          span.setAttribute('dsp.inserted', inserted);
          if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}

const fromRecord: TextMapGetter<Record<string, string>> = {
  keys: (r) => Object.keys(r),
  get: (r, key) => r[key],
};

const OPERATION: Record<CompletionRoute['kind'], string> = { chat: 'chat', messages: 'chat', fim: 'text_completion' };

export function createOtelTracing(c: Config['tracing'], instance: string): Tracing & { url: string } {
  const url = tracesUrl(c.otlp_endpoint);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': c.service_name, 'service.version': VERSION, 'service.instance.id': instance }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(c.sample_ratio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('deepseek-proxy-gateway', VERSION);

  return {
    url,
    begin(head, route) {
      const parent = propagator.extract(ROOT_CONTEXT, head, fromHead);
      const span = tracer.startSpan(
        `${OPERATION[route.kind]} ${route.name}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'gen_ai.operation.name': OPERATION[route.kind],
            'gen_ai.system': 'deepseek',
            'gen_ai.provider.name': 'deepseek',
            'http.request.method': 'POST',
            'http.route': route.name,
          },
        },
        parent,
      );
      return new OtelRequest(span, tracer, OPERATION[route.kind]);
    },
    shutdown: () => provider.shutdown(),
  };
}

const NOOP = () => {};

function unrecordedAttempt(ctx: Context): AttemptTrace {
  const headers: string[] = [];
  propagator.inject(ctx, headers, intoPairs);
  return { headers, firstByte: NOOP, observe: NOOP, end: NOOP };
}

/** What the upstream answer says about itself, read from its JSON or SSE bytes (best effort). */
class ResponseFacts {
  id: string | null = null;
  model: string | null = null;
  readonly finish = new Set<string>();

  read(bytes: Buffer): void {
    const text = bytes.toString('utf8');
    if (this.id === null) this.id = /"id"\s*:\s*"([^"]{1,200})"/.exec(text)?.[1] ?? null;
    if (this.model === null) this.model = /"model"\s*:\s*"([^"]{1,200})"/.exec(text)?.[1] ?? null;
    for (const m of text.matchAll(/"(?:finish_reason|stop_reason)"\s*:\s*"([^"]{1,64})"/g)) this.finish.add(m[1]!);
  }
}

class OtelRequest implements RequestTrace {
  private readonly facts = new ResponseFacts();

  constructor(
    private readonly span: Span,
    private readonly tracer: ReturnType<BasicTracerProvider['getTracer']>,
    private readonly operation: string,
  ) {}

  event(name: string): void {
    this.span.addEvent(name);
  }

  request(up: ParsedRequest, userId: string): void {
    if (!this.span.isRecording()) return;
    this.span.updateName(`${this.operation} ${up.model}`);
    this.span.setAttributes({
      'gen_ai.request.model': up.model,
      'dsp.upstream_model': up.upstreamModel,
      'dsp.stream': up.stream,
      'dsp.user': userId,
    });
  }

  attempt(account: string): AttemptTrace {
    // not sampled: nothing is exported, so no child span either; upstream gets the request's context
    if (!this.span.isRecording()) return unrecordedAttempt(trace.setSpan(ROOT_CONTEXT, this.span));
    const span = this.tracer.startSpan(
      'upstream',
      { kind: SpanKind.CLIENT, attributes: { 'dsp.account': account, 'gen_ai.provider.name': 'deepseek' } },
      trace.setSpan(ROOT_CONTEXT, this.span),
    );
    const headers: string[] = [];
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, intoPairs);
    const root = this.span;
    const facts = this.facts;
    return {
      headers,
      firstByte(status) {
        span.addEvent('upstream.first_byte', { 'http.response.status_code': status });
        root.addEvent('upstream.first_byte', { 'dsp.account': account });
      },
      observe(bytes) {
        facts.read(bytes);
      },
      end(status, failure) {
        span.setAttribute('http.response.status_code', status);
        if (failure) {
          span.setAttribute('error.type', failure);
          span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
        }
        span.end();
      },
    };
  }

  recordedContext(): string | null {
    if (!this.span.isRecording()) return null;
    const pairs: string[] = [];
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.span), pairs, intoPairs);
    return pairs[pairs.indexOf('traceparent') + 1] ?? null;
  }

  end(status: number, error: GatewayError | null, o: Outcome | null): void {
    const s = this.span;
    if (s.isRecording()) {
      s.setAttribute('http.response.status_code', status);
      if (o) {
        if (o.attempts > 0) s.setAttribute('dsp.attempts', o.attempts);
        s.setAttributes({ 'gen_ai.usage.input_tokens': o.usage.prompt, 'gen_ai.usage.output_tokens': o.usage.completion });
        if (o.aborted) s.setAttribute('dsp.aborted', true);
      }
      const f = this.facts;
      if (f.id) s.setAttribute('gen_ai.response.id', f.id);
      if (f.model) s.setAttribute('gen_ai.response.model', f.model);
      if (f.finish.size > 0) s.setAttribute('gen_ai.response.finish_reasons', [...f.finish]);
      if (error) {
        s.setAttribute('error.type', error.code);
        s.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      } else if (status >= 500) s.setStatus({ code: SpanStatusCode.ERROR });
    }
    s.end();
  }
}
