// The built CLI (dist/cli.js): prints its URL, applies flags, exits cleanly on SIGTERM.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chat, dataChunks, raw } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

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

  it('rejects an unknown flag', async () => {
    const child = spawn(process.execPath, [CLI, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
  });
});
