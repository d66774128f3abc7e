#!/usr/bin/env node
// mock-deepseek CLI: `node packages/mock-deepseek/dist/cli.js --port 9999 [--chunk-delay-ms N …]`

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startMockDeepSeek, type MockOptions } from './index.js';
import { validateKeys, type KeyBehaviour } from './keys.js';

const USAGE = `usage: mock-deepseek [options]
  --host H                    listen address [127.0.0.1]
  --port N                    port, 0 = random [0]
  --require-key KEY           require this key ("Authorization: Bearer KEY" or "x-api-key: KEY")
  --keys JSON|@FILE           per-key behaviour, e.g. '{"sk-a":{"maxConcurrency":2},"sk-b":{"refused":true}}'
  --down                      answer every request with 503 (bring it back with POST /_mock/down)
  --record                    keep received requests in memory (off by default for the CLI)
  --first-byte-delay-ms N     delay before response headers [0]
  --keep-alive-lines N        keep-alive lines before the first data [0]
  --keep-alive-interval-ms N  gap between keep-alive lines [10]
  --chunks N                  content chunks / words per answer [8]
  --chunk-delay-ms N          delay between stream chunks [0]
  --status N                  answer every completion with this status [200]
  --hang before-headers|mid-stream
  --reset before-headers|mid-stream
  --trickle-ms N              send one byte per N ms
Per request: x-mock-* headers or a body "mock" object override these.
Control: GET /_mock/stats, POST /_mock/keys, POST /_mock/down, POST /_mock/reset.`;

const NUMERIC: ReadonlyArray<readonly [string, keyof MockOptions]> = [
  ['first-byte-delay-ms', 'firstByteDelayMs'],
  ['keep-alive-lines', 'keepAliveLines'],
  ['keep-alive-interval-ms', 'keepAliveIntervalMs'],
  ['chunks', 'chunks'],
  ['chunk-delay-ms', 'chunkDelayMs'],
  ['status', 'status'],
  ['trickle-ms', 'trickleMs'],
];

function fail(msg: string): never {
  process.stderr.write(`mock-deepseek: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseKeys(arg: string): Record<string, KeyBehaviour> {
  try {
    const text = arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg;
    const keys = validateKeys(JSON.parse(text));
    return Object.fromEntries(Object.entries(keys).filter((e): e is [string, KeyBehaviour] => e[1] !== null));
  } catch (e) {
    fail(`bad --keys: ${(e as Error).message}`);
  }
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'require-key': { type: 'string' },
        keys: { type: 'string' },
        down: { type: 'boolean' },
        record: { type: 'boolean' },
        hang: { type: 'string' },
        reset: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(NUMERIC.map(([flag]) => [flag, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const opts: MockOptions = { record: values.record === true };
  if (typeof values.host === 'string') opts.host = values.host;
  if (typeof values.port === 'string') {
    const p = Number(values.port);
    if (!Number.isInteger(p) || p < 0 || p > 65535) fail(`bad --port ${values.port}`);
    opts.port = p;
  }
  if (typeof values['require-key'] === 'string') opts.requireKey = values['require-key'];
  if (typeof values.keys === 'string') opts.keys = parseKeys(values.keys);
  if (values.down === true) opts.down = '503';
  for (const [flag, key] of NUMERIC) {
    const v = values[flag];
    if (typeof v !== 'string') continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) fail(`bad --${flag} ${v}`);
    (opts as Record<string, unknown>)[key] = n;
  }
  for (const flag of ['hang', 'reset'] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (v !== 'before-headers' && v !== 'mid-stream') fail(`bad --${flag} ${String(v)}`);
    opts[flag] = v;
  }

  const mock = await startMockDeepSeek(opts);
  process.stdout.write(`mock-deepseek listening on ${mock.url}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    void mock.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`mock-deepseek: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
