// The built CLI (dist/cli.js): prints its URL, applies flags, exits cleanly on SIGTERM.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chat, dataChunks, raw } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function listening(child: ChildProcessWithoutNullStreams | ReturnType<typeof spawn>): Promise<string> {
  let out = '';
  return new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /mock-deepseek listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error('cli exited ' + code)));
    setTimeout(() => reject(new Error('cli did not start: ' + out)), 10_000);
  });
}

describe('cli', () => {
  it('listens, honours flags and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--chunks', '3', '--chunk-delay-ms', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /mock-deepseek listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error('cli exited ' + code)));
        setTimeout(() => reject(new Error('cli did not start: ' + out)), 10_000);
      });
      const r = await raw(url, { body: chat({ stream: true }) });
      expect(dataChunks(r.text)).toHaveLength(1 + 3);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('--keys and --down set per-key behaviour and a down instance; /_mock routes drive it', async () => {
    const keys = JSON.stringify({ 'sk-spent': { spent: true }, 'sk-rich': { balance: '99.00' } });
    const child = spawn(process.execPath, [CLI, '--port', '0', '--keys', keys, '--down'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await listening(child);
      const auth = (key: string) => ({ authorization: 'Bearer ' + key });
      expect((await raw(url, { body: chat(), headers: auth('sk-rich') })).status).toBe(503);
      const up = await fetch(url + '/_mock/down', { method: 'POST', body: JSON.stringify({ down: false }) });
      expect(up.status).toBe(200);
      expect((await raw(url, { body: chat(), headers: auth('sk-spent') })).status).toBe(402);
      const bal = await raw(url, { path: '/user/balance', headers: auth('sk-rich') });
      expect(JSON.parse(bal.text).balance_infos[0].total_balance).toBe('99.00');
      const stats = (await (await fetch(url + '/_mock/stats')).json()) as any;
      expect(stats.keys['sk-spent'].requests).toBe(1);
      expect(stats.keys['sk-rich']).toMatchObject({ requests: 1, balanceChecks: 1 });
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });

  it('rejects bad --keys', async () => {
    const child = spawn(process.execPath, [CLI, '--keys', '{"sk-a":{"maxConcurrency":"x"}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(err).toContain('maxConcurrency');
  });

  it('rejects an unknown flag', async () => {
    const child = spawn(process.execPath, [CLI, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
  });
});
