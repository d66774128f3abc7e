// `dsp doctor` against real services: everything up passes; a dead Redis, missing keys and a
// refused upstream key are each named in plain words with exit code 1; in a directory where
// `pnpm start` recorded its demo settings (.dsp/start.env) the CLI finds them with no --config, and
// the running gateway is probed, HTTP/1.0 included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairPem } from '@dsp/core';
import { createTempDatabase, randomKeyPrefix, type TempDatabase } from '@dsp/db/testing';
import { startMockDeepSeek, type MockDeepSeek } from '@dsp/mock-deepseek';
import { startGateway } from '../../../load-tests/lib/stack.mjs';

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
function dsp(args: string[], cwd?: string): Promise<{ code: number | null; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, stdout });
    });
  });
}
const doctor = (file: string) => dsp(['--config', file, 'doctor']);

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

describe('dsp doctor and the CLI after `pnpm start` (demo mode)', () => {
  let demoMock: MockDeepSeek;
  let gateway: { port: number; stop(): Promise<void> };
  let home: string;
  beforeAll(async () => {
    demoMock = await startMockDeepSeek();
    home = mkdtempSync(join(tmpdir(), 'dsp-demo-home-'));
    const prefix = randomKeyPrefix();
    // what scripts/start.mjs records: generated keys and the mock upstream
    mkdirSync(join(home, '.dsp'));
    writeFileSync(
      join(home, '.dsp/start.env'),
      [`DSP_AUTH__PUBLIC_KEY_FILE=${pub}`, `DSP_AUTH__PRIVATE_KEY_FILE=${key}`, `DSP_DEEPSEEK__BASE_URL=${demoMock.url}`].join('\n') + '\n',
    );
    const keys = { publicKeyFile: pub, privateKeyFile: key };
    const gw = await startGateway({
      dir: home,
      keys,
      prefix,
      databaseUrl: db.url,
      upstreamUrl: demoMock.url,
      workers: 1,
      config: { usage: { recorder: false } },
    });
    gateway = gw;
    // the user's file: database, Redis and port only, no keys and no API key, as in a fresh checkout
    writeFileSync(
      join(home, 'deepseek-proxy.toml'),
      ['[database]', `url = "${db.url}"`, '[redis]', `key_prefix = "${prefix}"`, '[server]', 'host = "127.0.0.1"', `port = ${gw.port}`].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await demoMock?.close();
  });

  it('finds the recorded keys: `user create` and `token issue` work with no --config', async () => {
    expect((await dsp(['migrate'], home)).code).toBe(0);
    expect((await dsp(['user', 'create', 'alice'], home)).code).toBe(0);
    const issued = await dsp(['token', 'issue', 'alice', '--name', 'laptop'], home);
    expect(issued.out).not.toMatch(/private_key_file is required/);
    expect(issued.code).toBe(0);
    expect(issued.stdout.trim()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('doctor checks what runs: demo keys and the mock upstream pass; the gateway is probed with HTTP/1.0', async () => {
    const r = await dsp(['doctor'], home);
    expect(r.out).toMatch(/✓ config .*deepseek-proxy\.toml, plus what `pnpm start` recorded in .*start\.env/);
    expect(r.out).toMatch(/✓ signing keys/);
    expect(r.out).toMatch(new RegExp(`✓ upstream .*demo mode.*${demoMock.url.replace(/[.]/g, '\\.')}`));
    expect(r.out).toMatch(/✓ gateway .*is ready/);
    expect(r.out).toMatch(/! gateway HTTP\/1\.0 .*ignores HTTP\/1\.0.*proxy_http_version 1\.1/);
    expect(r.out).not.toMatch(/✗/);
    expect(r.code).toBe(0);
  });

  it('without the recorded settings the missing API key and keys are failures, named in plain words', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'dsp-bare-'));
    writeFileSync(join(bare, 'deepseek-proxy.toml'), ['[database]', `url = "${db.url}"`, '[server]', 'port = 1'].join('\n'));
    const r = await dsp(['doctor'], bare);
    expect(r.out).toMatch(/✗ signing keys .*pnpm start/);
    expect(r.out).toMatch(/✗ upstream .*no DeepSeek API key/);
    expect(r.out).toMatch(/! gateway .*nothing answers/);
    expect(r.code).toBe(1);
  });
});
