import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderConfigReference, renderGeneratedFiles } from './reference.js';
import { schemaKeys } from './schema-walk.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HOW = 'regenerate with: pnpm --filter @dsp/config build && pnpm --filter @dsp/config render-docs';

describe('generated files', () => {
  for (const [rel, text] of Object.entries(renderGeneratedFiles())) {
    it(`${rel} is up to date with the schema`, () => {
      const committed = readFileSync(join(ROOT, rel), 'utf8');
      expect(committed, `${rel} is stale; ${HOW}`).toBe(text);
    });
  }
});

describe('docs/CONFIG.md', () => {
  const doc = renderConfigReference();

  it('documents every key with its env var', () => {
    for (const k of schemaKeys().values()) {
      expect(doc).toContain(`| \`${k.path[k.path.length - 1]}\` |`);
      expect(doc).toContain(`\`${k.envVar}\``);
    }
    expect(doc).toContain('`DEEPSEEK_API_KEY`');
    expect(doc).toContain('### [deepseek.http_client]');
  });

  it('starts with the undici mapping and the tuning profiles', () => {
    const mapping = doc.indexOf('## How the [deepseek.http_client] keys map to undici');
    const profiles = doc.indexOf('## Tuning profiles');
    const keys = doc.indexOf('## Keys');
    expect(mapping).toBeGreaterThan(0);
    expect(profiles).toBeGreaterThan(mapping);
    expect(keys).toBeGreaterThan(profiles);
    for (const s of [
      'keepAliveTimeout',
      'keepAliveMaxTimeout',
      'connect.timeout',
      'headersTimeout',
      'bodyTimeout',
      'setNoDelay()',
      'allowH2',
      'Pool `connections`',
      'no undici equivalent',
      'ALPN',
    ]) {
      expect(doc.slice(mapping, profiles)).toContain(s);
    }
    for (const p of ['high-concurrency', 'low-latency', 'long-connection']) expect(doc.slice(profiles, keys)).toContain(p);
  });
});
