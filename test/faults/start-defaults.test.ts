// `pnpm start`'s safe defaults (scripts/start.mjs), on a real stack: demo mode listens on the
// loopback address only, its token expires, and its banner keeps the admin password out of a log
// file; a start that serves the real API refuses the demo signing keys unless the config names
// them, and revokes the demo's tokens.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '@dsp/db/testing';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';
import { REPO, cleanPrefix, freePort, randomPrefix, toToml, waitFor } from '../../apps/gateway/test/harness.js';

interface Run {
  proc: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function start(dir: string, config: string, env: Record<string, string> = {}): Run {
  const proc = spawn(process.execPath, [join(REPO, 'scripts/start.mjs'), '--config', config], {
    cwd: dir,
    // stdout is a pipe, as when the output goes to a log file
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  proc.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return { proc, out, exited };
}

async function stop(run: Run): Promise<void> {
  if (run.proc.exitCode === null) run.proc.kill('SIGTERM');
  await run.exited;
}

/** true when something accepts a TCP connection on host:port */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const chat = JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'Hello' }] });

describe('pnpm start: safe defaults', () => {
  let dir: string;
  let db: TempDatabase;
  let prefix: string;
  let mock: MockDeepSeek;
  let ports: { server: number; admin: number; metrics: number; mock: number };
  const runs: Run[] = [];
  const sections = (extra: Record<string, Record<string, unknown>> = {}) => ({
    server: { port: ports.server, workers: 1, shutdown_grace_seconds: 2 },
    redis: { url: 'redis://127.0.0.1:6379', key_prefix: prefix },
    database: { url: db.url },
    metrics: { port: ports.metrics },
    admin: { port: ports.admin },
    usage: { recorder: false },
    ...extra,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dsp-start-'));
    db = await createTempDatabase();
    prefix = randomPrefix();
    mock = await startMockDeepSeek();
    ports = { server: await freePort(), admin: await freePort(), metrics: await freePort(), mock: await freePort() };
  });
  afterAll(async () => {
    for (const r of runs) await stop(r);
    await mock?.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await db?.drop();
  });

  const gateway = () => `http://127.0.0.1:${ports.server}`;
  const ask = (token: string) =>
    fetch(`${gateway()}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: chat,
    });

  let demoToken = '';

  it('demo mode: loopback only, an expiring token, no admin password in the piped output', async () => {
    const file = join(dir, 'demo.toml');
    // asks for every interface: demo mode overrides it
    writeFileSync(file, toToml(sections({ server: { ...sections().server, host: '0.0.0.0' } })));
    const run = start(dir, file, { DSP_DEMO_MOCK_PORT: String(ports.mock) });
    runs.push(run);
    await waitFor(() => run.out.join('').includes('deepseek-proxy is running') || run.proc.exitCode !== null, 150_000);
    const text = run.out.join('');
    expect(text).toContain('deepseek-proxy is running in DEMO mode');
    const demo = JSON.parse(readFileSync(join(dir, '.dsp/demo.json'), 'utf8')) as { token: string; adminPassword: string };
    expect(text).not.toContain(demo.adminPassword);
    expect(text).toContain(`(the password is in ${join(dir, '.dsp/demo.json')})`);
    demoToken = demo.token;
    const exp = decodeJwt(demo.token).exp!;
    expect(exp - Date.now() / 1000).toBeGreaterThan(6.9 * 86400);
    expect(exp - Date.now() / 1000).toBeLessThanOrEqual(7 * 86400);
    expect((await ask(demo.token)).status).toBe(200);
    // every listener on 127.0.0.1: not reachable on this host's other addresses
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    for (const host of others) {
      for (const port of [ports.server, ports.metrics, ports.admin]) expect(await accepts(host, port), `${host}:${port}`).toBe(false);
    }
    if (others.length === 0) console.log('start-defaults: no non-loopback IPv4 address on this host; bind check only on 127.0.0.1');
    await stop(run);
  });

  it('serving the real API: the demo keys are refused unless the config names them', async () => {
    const file = join(dir, 'real.toml');
    writeFileSync(file, toToml(sections({ deepseek: { api_key: 'sk-real-key', base_url: mock.url } })));
    const run = start(dir, file);
    runs.push(run);
    expect(await run.exited).not.toBe(0);
    expect(run.out.join('')).toMatch(/no token signing keys configured[\s\S]*used only in demo mode/);
  });

  it('serving the real API with keys named in the config: the demo token is revoked', async () => {
    const file = join(dir, 'real-keys.toml');
    const auth = { public_key_file: join(dir, '.dsp/jwt.pub.pem'), private_key_file: join(dir, '.dsp/jwt.key.pem') };
    writeFileSync(file, toToml(sections({ deepseek: { api_key: 'sk-real-key', base_url: mock.url }, auth })));
    const run = start(dir, file);
    runs.push(run);
    await waitFor(() => run.out.join('').includes('deepseek-proxy is running') || run.proc.exitCode !== null, 150_000);
    expect(run.out.join('')).toContain('revoked 1 demo token(s)');
    const r = await ask(demoToken);
    expect(r.status).toBe(401);
    await stop(run);
  });
});
