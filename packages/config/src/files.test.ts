import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load.js';
import { tempDir, thrown } from './test-helpers.js';

describe('*_file secrets', () => {
  it('reads deepseek.api_key_file and auth.secret_file (trimmed), relative to the config file', () => {
    const dir = tempDir({
      'conf/deepseek-proxy.toml': '[deepseek]\napi_key_file = "secrets/key.txt"\n[auth]\nalgorithms = ["HS256"]\nsecret_file = "secrets/hs.txt"\n',
      'conf/secrets/key.txt': '  sk-from-file\n',
      'conf/secrets/hs.txt': 'hs-secret-of-at-least-32-characters\n\n',
    });
    const { config, warnings } = loadConfig({ cwd: dir, env: {}, argv: ['--config', 'conf/deepseek-proxy.toml'] });
    expect(config.deepseek.api_key).toBe('sk-from-file');
    expect(config.deepseek.api_key_file).toBe(join(dir, 'conf/secrets/key.txt'));
    expect(config.auth.secret).toBe('hs-secret-of-at-least-32-characters');
    expect(warnings).toEqual([]);
  });

  it('resolves an env-given *_file against the working directory', () => {
    const dir = tempDir({ 'key.txt': 'sk-env-file' });
    const { config } = loadConfig({ cwd: dir, env: { DSP_DEEPSEEK__API_KEY_FILE: 'key.txt' }, argv: [] });
    expect(config.deepseek.api_key).toBe('sk-env-file');
  });

  it('the file wins over a value set directly, with a warning', () => {
    const dir = tempDir({ 'key.txt': 'sk-file', 'c.toml': '[deepseek]\napi_key_file = "key.txt"\n' });
    const { config, warnings } = loadConfig({ cwd: dir, env: { DEEPSEEK_API_KEY: 'sk-env' }, argv: ['--config=c.toml'] });
    expect(config.deepseek.api_key).toBe('sk-file');
    expect(warnings).toEqual([expect.stringContaining('deepseek.api_key and deepseek.api_key_file are both set')]);
    expect(warnings.join('\n')).not.toContain('sk-');
  });

  it('reports an unreadable or empty secret file', () => {
    const dir = tempDir({ 'empty.txt': ' \n', 'c.toml': '[deepseek]\napi_key_file = "missing.txt"\n[auth]\nsecret_file = "empty.txt"\n' });
    const err = thrown(() => loadConfig({ cwd: dir, env: {}, argv: ['--config', 'c.toml'] })) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => p.path)).toEqual(['deepseek.api_key_file', 'auth.secret_file']);
    expect(err.message).toContain(join(dir, 'missing.txt'));
    expect(err.message).toContain('file not found');
    expect(err.message).toContain('the file is empty');
  });
});

describe('key file paths', () => {
  it('are made absolute but not read', () => {
    const dir = tempDir();
    const { config } = parseConfig('[auth]\npublic_key_file = "keys/pub.pem"\nprivate_key_file = "/abs/priv.pem"\nprevious_public_key_files = ["old.pem"]\n', {
      file: join(dir, 'cfg', 'c.toml'),
      env: { DSP_AUTH__PREVIOUS_PUBLIC_KEY_FILES: 'a.pem,b.pem' },
      cwd: dir,
    });
    expect(config.auth.public_key_file).toBe(join(dir, 'cfg', 'keys/pub.pem'));
    expect(config.auth.private_key_file).toBe('/abs/priv.pem');
    // from the environment: relative to the working directory
    expect(config.auth.previous_public_key_files).toEqual([join(dir, 'a.pem'), join(dir, 'b.pem')]);
  });

  it('leaves empty paths empty', () => {
    const { config } = parseConfig('', { file: '/tmp/x.toml' });
    expect(config.auth.public_key_file).toBe('');
    expect(config.deepseek.api_key_file).toBe('');
  });
});
