import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'undici';
import { createIndexedPool } from './indexed-pool.js';
import { request } from './undici-core.js';

let server: Server | null = null;
let pool: Pool | null = null;

/** A server that answers after `?ms=N` milliseconds and counts the connections it accepted. */
async function start(): Promise<{ origin: string; connections: () => number }> {
  let connections = 0;
  server = createServer((req, res) => {
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
    setTimeout(() => res.end('ok'), ms);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const get = async (p: Pool, path = '/'): Promise<string> => {
  const r = await request(p, { path, method: 'GET' });
  return r.body.text();
};

afterEach(async () => {
  await pool?.close();
  pool = null;
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = null;
});

describe('createIndexedPool', () => {
  // as undici's Pool: a request also makes a spare client when no other is free, which the next
  // one may connect before the first has drained
  it('reuses its connections for requests one after another', async () => {
    const s = await start();
    pool = createIndexedPool(s.origin, { pipelining: 1 });
    for (let i = 0; i < 20; i++) expect(await get(pool)).toBe('ok');
    expect(s.connections()).toBeLessThanOrEqual(2);
  });

  it('opens one connection per concurrent request, then reuses them all', async () => {
    const s = await start();
    pool = createIndexedPool(s.origin, { pipelining: 1 });
    const p = pool;
    expect(await Promise.all(Array.from({ length: 50 }, () => get(p, '/?ms=50')))).toEqual(Array(50).fill('ok'));
    const opened = s.connections();
    expect(opened).toBeGreaterThanOrEqual(50);
    expect(opened).toBeLessThanOrEqual(51);
    // the clients report themselves free ('drain') just after their bodies are read
    await new Promise((r) => setTimeout(r, 20));
    expect(await Promise.all(Array.from({ length: 50 }, () => get(p, '/?ms=50')))).toEqual(Array(50).fill('ok'));
    expect(s.connections()).toBe(opened);
  });

  it('keeps to `connections`, queueing the rest', async () => {
    const s = await start();
    pool = createIndexedPool(s.origin, { pipelining: 1, connections: 3 });
    const p = pool;
    expect(await Promise.all(Array.from({ length: 12 }, () => get(p, '/?ms=20')))).toEqual(Array(12).fill('ok'));
    expect(s.connections()).toBe(3);
  });

  it('recovers after a refused connection', async () => {
    const s = await start();
    const port = (server!.address() as AddressInfo).port;
    await new Promise((r) => server!.close(r));
    pool = createIndexedPool(s.origin, { pipelining: 1 });
    await expect(get(pool)).rejects.toThrow();
    server = createServer((_req, res) => res.end('back'));
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    expect(await get(pool)).toBe('back');
    expect(await get(pool)).toBe('back');
  });
});
