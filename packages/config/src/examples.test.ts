import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig } from './load.js';
import { TUNING_PROFILES } from './profiles.js';
import { schemaKeys } from './schema-walk.js';
import { getPath, setPath, cloneTree, type Table } from './util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const load = (rel: string) => loadConfig({ cwd: ROOT, env: {}, argv: ['--config', rel] });

describe('deepseek-proxy.example.toml', () => {
  it('loads cleanly and equals the defaults', () => {
    const { config, warnings, file } = load('deepseek-proxy.example.toml');
    expect(file).toBe(join(ROOT, 'deepseek-proxy.example.toml'));
    expect(warnings).toEqual([]);
    expect(config).toEqual(defaultConfig());
  });

  it('spells out every key, with a comment above each', () => {
    const text = readFileSync(join(ROOT, 'deepseek-proxy.example.toml'), 'utf8');
    const raw = parse(text);
    const lines = text.split('\n');
    for (const k of schemaKeys().values()) {
      expect(getPath(raw, k.path), k.dotted).toEqual(k.default);
      const name = k.path[k.path.length - 1]!;
      const at = lines.findIndex((l, i) => l.startsWith(`${name} = `) && i > 0 && lines[i - 1]!.startsWith('#'));
      expect(at, `comment above ${k.dotted}`).toBeGreaterThan(0);
    }
  });
});

describe('tuning profiles', () => {
  for (const profile of TUNING_PROFILES) {
    it(`${profile.file} loads cleanly and changes only its own keys`, () => {
      const { config, warnings } = load(profile.file);
      expect(warnings).toEqual([]);
      const expected = cloneTree(defaultConfig()) as unknown as Table;
      for (const s of profile.settings) setPath(expected, s.key.split('.'), s.value);
      expect(config).toEqual(expected);
      const raw = parse(readFileSync(join(ROOT, profile.file), 'utf8'));
      const setKeys = [...schemaKeys().values()].filter((k) => getPath(raw, k.path) !== undefined).map((k) => k.dotted);
      expect(setKeys.sort()).toEqual(profile.settings.map((s) => s.key).sort());
    });
  }

  it('differ from the defaults in every key they set', () => {
    for (const p of TUNING_PROFILES) {
      for (const s of p.settings) expect(schemaKeys().get(s.key)!.default, `${p.name} ${s.key}`).not.toBe(s.value);
    }
  });
});
