// A webhook receiver for the alert tests: a real HTTP server on 127.0.0.1 that records every POST
// and fails the first `failFirst` of them with 500 (the alert must still arrive, once).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  status: number;
  id: string;
  signature: string;
  body: string;
}

export interface Webhook {
  url: string;
  /** every POST, failed ones included, in arrival order */
  received: Received[];
  /** the POSTs it took (2xx) */
  ok(): Received[];
  close(): Promise<void>;
}

export async function startWebhook(o: { failFirst?: number; okStatus?: number } = {}): Promise<Webhook> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const status = received.length < (o.failFirst ?? 0) ? 500 : (o.okStatus ?? 200);
      received.push({ status, id: String(req.headers['x-dsp-alert-id']), signature: String(req.headers['x-dsp-signature']), body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    ok: () => received.filter((r) => r.status < 300),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The POST carries the HMAC-SHA256 of its exact body with `secret`. */
export function signedWith(secret: string, r: Received): boolean {
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
  const got = Buffer.from(r.signature);
  return got.length === want.length && timingSafeEqual(got, want);
}
