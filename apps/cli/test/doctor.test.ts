// `dsp doctor` against real services: everything up passes; a dead Redis, missing keys and a
// refused upstream key are each named in plain words with exit code 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairPem } from '@dsp/core';
import { createTempDatabase, randomKeyPrefix, type TempDatabase } from '@dsp/db/testing';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let db: TempDatabase;
let mock: MockDeepSeek;
let dir: string;
let pub: string;
let key: string;

function configFile(name: string, o: { redis?: string; apiKey?: string; keys?: boolean } = {}): string {
  const f = join(dir, `${name}.toml`);
  writeFileSync(
    f,
    [
      '[database]',
      `url = "${db.url}"`,
      '[redis]',
      `url = "${o.redis ?? 'redis://127.0.0.1:6379'}"`,
      `key_prefix = "${randomKeyPrefix()}"`,
      '[deepseek]',
      `base_url = "${mock.url}"`,
      `api_key = "${o.apiKey ?? 'sk-good'}"`,
      '[auth]',
      `public_key_file = "${o.keys === false ? '' : pub}"`,
      `private_key_file = "${o.keys === false ? '' : key}"`,
    ].join('\n'),
  );
  return f;
}

/** Async: the mock upstream runs in this process and must keep answering. */
function doctor(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, '--config', file, 'doctor'], { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

beforeAll(async () => {
  db = await createTempDatabase();
  mock = await startMockDeepSeek({ requireKey: 'sk-good' });
  dir = mkdtempSync(join(tmpdir(), 'dsp-doctor-'));
  const pair = await generateKeyPairPem();
  pub = join(dir, 'pub.pem');
  key = join(dir, 'key.pem');
  writeFileSync(pub, pair.publicKey);
  writeFileSync(key, pair.privateKey);
});
afterAll(async () => {
  await mock.close();
  await db.drop();
});

describe('dsp doctor', () => {
  it('passes when everything is reachable and valid', async () => {
    const r = await doctor(configFile('good'));
    expect(r.out).toMatch(/✓ signing keys/);
    expect(r.out).toMatch(/✓ redis /);
    expect(r.out).toMatch(/✓ postgres/);
    expect(r.out).toMatch(/✓ migrations/);
    expect(r.out).toMatch(/✓ upstream .*accepts the API key/);
    expect(r.code).toBe(0);
  });

  it('names a dead Redis, missing keys and a refused API key', async () => {
    const r = await doctor(configFile('bad', { redis: 'redis://127.0.0.1:1', apiKey: 'sk-wrong', keys: false }));
    expect(r.out).toMatch(/✗ redis .*unreachable/);
    expect(r.out).toMatch(/✗ signing keys .*public_key_file/);
    expect(r.out).toMatch(/✗ upstream key .*refused the API key/);
    expect(r.out).not.toContain('sk-wrong');
    expect(r.code).toBe(1);
  });
});
