// OpenTelemetry traces of gateway requests, exported by the official SDK over OTLP/HTTP (JSON) to a
// real receiver started here (node:http decoding the OTLP JSON body): one span per request with
// the GenAI attributes, events for the stages, a child span per upstream attempt whose context the
// mock received as `traceparent`, the client's `traceparent` as the parent, and the recorder's
// ledger write linked to the request's span. Off by default: the
// gateway then neither propagates a trace context nor starts an exporter.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, startGateway, type Gateway } from './harness.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
  events?: { name: string; attributes?: { key: string; value: OtlpValue }[] }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number; message?: string };
}
interface Received {
  resource: Record<string, unknown>;
  span: OtlpSpan;
  attrs: Record<string, unknown>;
}

const plain = (v: OtlpValue): unknown =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? (v.arrayValue ? v.arrayValue.values.map(plain) : undefined)));
const attrsOf = (list: { key: string; value: OtlpValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** A real OTLP/HTTP receiver: takes POST /v1/traces with a JSON body, keeps every span. */
async function startReceiver(): Promise<{ url: string; spans: Received[]; contentTypes: string[]; server: Server }> {
  const spans: Received[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const span of ss.spans) spans.push({ resource: attrsOf(rs.resource.attributes), span, attrs: attrsOf(span.attributes) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes, server };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe('OpenTelemetry traces', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let gw: Gateway;
  let token: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    gw = await startGateway({ workers: 1, config: { tracing: { otlp_endpoint: receiver.url, sample_ratio: 1, service_name: 'dsp-under-test' } } });
    token = await gw.mint({ sub: 'traced-user' });
  });
  afterAll(async () => {
    await gw?.stop();
    await new Promise((r) => receiver?.server.close(r));
  });

  const post = (body: string, headers: Record<string, string> = {}, t = token) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', ...headers }, body });
  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.span.traceId === traceId);
  const waitSpans = async (traceId: string, n: number) => {
    await expect.poll(() => spansOf(traceId).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(n);
    return spansOf(traceId);
  };

  it("makes the client's traceparent the parent, with GenAI attributes, stage events and the upstream attempt propagated", async () => {
    const r = await post(chatBody({ stream: true }), { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01`, tracestate: 'vendor=abc' });
    expect(r.status).toBe(200);
    const text = await r.text();
    const responseId = /"id":"([^"]+)"/.exec(text)![1]!;

    const spans = await waitSpans(TRACE_ID, 2);
    const root = spans.find((s) => s.span.kind === 2)!; // SERVER
    const up = spans.find((s) => s.span.kind === 3)!; // CLIENT
    expect(root.span.parentSpanId).toBe(CLIENT_SPAN);
    expect(root.span.name).toBe('chat deepseek-chat');
    expect(root.resource).toMatchObject({ 'service.name': 'dsp-under-test' });
    expect(root.attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'deepseek',
      'gen_ai.provider.name': 'deepseek',
      'gen_ai.request.model': 'deepseek-chat',
      'gen_ai.response.model': 'deepseek-chat',
      'gen_ai.response.id': responseId,
      'gen_ai.response.finish_reasons': ['stop'],
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'dsp.stream': true,
      'dsp.user': 'traced-user',
      'dsp.attempts': 1,
    });
    expect(root.attrs['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(root.attrs['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(root.span.events!.map((e) => e.name)).toEqual(['auth', 'admission', 'upstream.first_byte']);

    // the attempt is the root's child, and what the mock received carries the attempt's context
    expect(up.span.parentSpanId).toBe(root.span.spanId);
    expect(up.span.name).toBe('upstream');
    expect(up.attrs).toMatchObject({ 'dsp.account': 'default', 'http.response.status_code': 200 });
    expect(up.span.events!.map((e) => e.name)).toEqual(['upstream.first_byte']);
    const seen = gw.mock.received.at(-1)!;
    expect(seen.headers.traceparent).toBe(`00-${TRACE_ID}-${up.span.spanId}-01`);
    expect(seen.headers.tracestate).toBe('vendor=abc');
    expect(receiver.contentTypes.every((c) => c.startsWith('application/json'))).toBe(true);
  });

  it("links the recorder's ledger write to the request's span", async () => {
    const root = spansOf(TRACE_ID).find((s) => s.span.kind === 2)!;
    const linked = () => receiver.spans.find((s) => s.span.name === 'usage.record' && s.span.links?.some((l) => l.traceId === TRACE_ID));
    await expect.poll(linked, { timeout: 15_000 }).toBeDefined();
    const rec = linked()!;
    expect(rec.span.kind).toBe(5); // CONSUMER
    expect(rec.span.links).toContainEqual(expect.objectContaining({ traceId: TRACE_ID, spanId: root.span.spanId }));
    expect(rec.attrs['dsp.inserted']).toBeGreaterThanOrEqual(1);
    expect(rec.resource['service.name']).toBe('dsp-under-test');
  });

  it('starts a new trace without a traceparent, non-stream answers included', async () => {
    const before = receiver.spans.length;
    const r = await post(chatBody());
    expect(r.status).toBe(200);
    const j = (await r.json()) as { id: string; usage: { prompt_tokens: number; completion_tokens: number } };
    const seen = gw.mock.received.at(-1)!;
    const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(String(seen.headers.traceparent))![1]!;
    expect(traceId).not.toBe(TRACE_ID);
    const spans = await waitSpans(traceId, 2);
    const root = spans.find((s) => s.span.kind === 2)!;
    expect(root.span.parentSpanId ?? '').toBe('');
    expect(root.attrs).toMatchObject({
      'gen_ai.response.id': j.id,
      'gen_ai.usage.input_tokens': j.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': j.usage.completion_tokens,
      'gen_ai.response.finish_reasons': ['stop'],
      'dsp.stream': false,
    });
    expect(receiver.spans.length).toBeGreaterThan(before);
  });

  it('marks refusals and upstream errors on the span (error.type, status ERROR)', async () => {
    const bad = '11111111111111111111111111111111';
    expect((await post(chatBody(), { traceparent: `00-${bad}-${CLIENT_SPAN}-01` }, 'not-a-jwt')).status).toBe(401);
    const [refused] = await waitSpans(bad, 1);
    expect(refused!.attrs).toMatchObject({ 'http.response.status_code': 401, 'error.type': 'invalid_token' });
    expect(refused!.span.status?.code).toBe(2);
    expect(refused!.span.events ?? []).toEqual([]);

    const failing = '22222222222222222222222222222222';
    expect((await post(chatBody({ mock: { status: 500 } }), { traceparent: `00-${failing}-${CLIENT_SPAN}-01` })).status).toBe(500);
    const spans = await waitSpans(failing, 2);
    const root = spans.find((s) => s.span.kind === 2)!;
    expect(root.attrs['http.response.status_code']).toBe(500);
    expect(root.span.status?.code).toBe(2);
    expect(spans.find((s) => s.span.kind === 3)!.attrs['http.response.status_code']).toBe(500);
  });

  it("follows the client's sampled flag: not sampled → nothing exported, the context still goes upstream", async () => {
    const quiet = '33333333333333333333333333333333';
    expect((await post(chatBody(), { traceparent: `00-${quiet}-${CLIENT_SPAN}-00` })).status).toBe(200);
    expect(gw.mock.received.at(-1)!.headers.traceparent).toMatch(new RegExp(`^00-${quiet}-[0-9a-f]{16}-00$`));
    // a sampled request after it is exported: the quiet one would be in the same batch
    const loud = '44444444444444444444444444444444';
    expect((await post(chatBody(), { traceparent: `00-${loud}-${CLIENT_SPAN}-01` })).status).toBe(200);
    await waitSpans(loud, 2);
    expect(spansOf(quiet)).toEqual([]);
  });
});

describe('tracing off (the default)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ workers: 1 });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('passes no trace context upstream and starts no exporter', async () => {
    const token = await gw.mint({ sub: 'untraced' });
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
      body: chatBody(),
    });
    expect(r.status).toBe(200);
    expect(gw.mock.received.at(-1)!.headers.traceparent).toBeUndefined();
    expect(gw.logs.some((l) => l.includes('tracing: exporting'))).toBe(false);
  });
});
