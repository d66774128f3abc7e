// Spans of the admin REST API: with [tracing] set, every /api/v1 call is a SERVER span exported by
// the official OpenTelemetry SDK over OTLP/HTTP (JSON) to a real receiver started here, the caller's
// `traceparent` its parent, the API key's name and the status on it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleOnly, type ConsoleOnly } from './helpers.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

describe('admin REST API spans', () => {
  let server: Server;
  const spans: { span: Span; service: string }[] = [];
  let fixture: ConsoleOnly;
  let key: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
          resourceSpans: { resource: { attributes: Span['attributes'] }; scopeSpans: { spans: Span[] }[] }[];
        };
        for (const rs of body.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ span, service });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fixture = await startConsoleOnly(
      async (b) => {
        key = (await b.services.apiKeys.create('automation', 'admin')).secret;
      },
      undefined,
      { tracing: { otlp_endpoint: endpoint, sample_ratio: 1 } },
    );
  });
  afterAll(async () => {
    await fixture?.stop();
    await new Promise((r) => server?.close(r));
  });

  const attr = (s: Span, k: string) => {
    const v = s.attributes.find((a) => a.key === k)?.value;
    return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
  };

  it("makes each call a child of the caller's traceparent, with the route, the key's name and the status", async () => {
    const trace = 'abcdefabcdefabcdefabcdefabcdef01';
    const parent = '1234567890abcdef';
    const r = await fetch(`${fixture.admin.url}/api/v1/users`, { headers: { authorization: `Bearer ${key}`, traceparent: `00-${trace}-${parent}-01` } });
    expect(r.status).toBe(200);
    const denied = 'abcdefabcdefabcdefabcdefabcdef02';
    expect(
      (await fetch(`${fixture.admin.url}/api/v1/users`, { headers: { authorization: 'Bearer wrong', traceparent: `00-${denied}-${parent}-01` } })).status,
    ).toBe(401);
    await expect.poll(() => spans.filter((s) => s.span.traceId === trace || s.span.traceId === denied).length, { timeout: 15_000 }).toBe(2);
    const ok = spans.find((s) => s.span.traceId === trace)!;
    expect(ok.service).toBe('deepseek-proxy-admin');
    expect(ok.span).toMatchObject({ parentSpanId: parent, name: 'GET /api/v1/users', kind: 2 });
    expect(attr(ok.span, 'http.route')).toBe('/api/v1/users');
    expect(attr(ok.span, 'dsp.api_key')).toBe('automation');
    expect(attr(ok.span, 'http.response.status_code')).toBe(200);
    const no = spans.find((s) => s.span.traceId === denied)!;
    expect(attr(no.span, 'http.response.status_code')).toBe(401);
    expect(attr(no.span, 'dsp.api_key')).toBeUndefined();
  });
});
