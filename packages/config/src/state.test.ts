import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { findConfigDir, parseStartEnv, writeStartEnv } from './state.js';
import { tempDir } from './test-helpers.js';

describe('what `pnpm start` recorded (.dsp/start.env)', () => {
  it('parses NAME=value lines, skipping comments and blanks; the value is the rest of the line', () => {
    expect(parseStartEnv('# c\n\nA=1\n B = x=y \nbad line\n')).toEqual({ A: '1', B: 'x=y' });
  });

  it('is used underneath the environment when no config file is named', () => {
    const dir = tempDir({ 'deepseek-proxy.toml': '[server]\nport = 1001\n', 'other.toml': '[server]\nport = 1002\n' });
    const file = writeStartEnv(dir, { DSP_DEEPSEEK__BASE_URL: 'http://127.0.0.1:8899', DSP_METRICS__PORT: '9999' });
    expect(file).toBe(join(dir, '.dsp/start.env'));
    const a = loadConfig({ cwd: dir, env: { DSP_METRICS__PORT: '1234' }, argv: [] });
    expect(a.config.deepseek.base_url).toBe('http://127.0.0.1:8899');
    expect(a.config.metrics.port).toBe(1234); // the real environment wins
    expect(a.config.server.port).toBe(1001);
    expect(a.startEnvFile).toBe(file);
    // a file named explicitly (argv or env) means the caller chose its config: the record is not used
    const b = loadConfig({ cwd: dir, env: {}, argv: ['--config', 'other.toml'] });
    expect(b.config.deepseek.base_url).toBe('https://api.deepseek.com');
    expect(b.startEnvFile).toBeNull();
    expect(loadConfig({ cwd: dir, env: { DSP_CONFIG: 'other.toml' }, argv: [] }).startEnvFile).toBeNull();
    expect(loadConfig({ cwd: dir, env: {}, argv: [], startEnv: false }).config.deepseek.base_url).toBe('https://api.deepseek.com');
  });

  it('can name the config file `pnpm start --config FILE` used', () => {
    const dir = tempDir({ 'custom.toml': '[server]\nport = 1005\n' });
    writeStartEnv(dir, { DSP_CONFIG: join(dir, 'custom.toml') });
    const loaded = loadConfig({ cwd: dir, env: {}, argv: [] });
    expect(loaded.file).toBe(join(dir, 'custom.toml'));
    expect(loaded.config.server.port).toBe(1005);
  });
});

describe('finding the config from elsewhere (findConfigDir)', () => {
  it('is the first directory with ./deepseek-proxy.toml or ./.dsp/start.env, else null', () => {
    const none = tempDir({ 'other.toml': '' });
    const withFile = tempDir({ 'deepseek-proxy.toml': '' });
    const withState = tempDir();
    writeStartEnv(withState, { DSP_METRICS__PORT: '9999' });
    expect(findConfigDir([none, withFile, withState])).toBe(withFile);
    expect(findConfigDir([none, withState, withFile])).toBe(withState);
    expect(findConfigDir([none])).toBeNull();
    expect(findConfigDir([])).toBeNull();
  });
});
