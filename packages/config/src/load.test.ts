import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { demoMode, instanceId, redactConfig, workerCount } from './helpers.js';
import { defaultConfig, loadConfig, parseConfig } from './load.js';
import { tempDir, thrown } from './test-helpers.js';

const port = (n: number) => `[server]\nport = ${n}\n`;

describe('config file resolution', () => {
  it('uses --config FILE over DSP_CONFIG over ./deepseek-proxy.toml', () => {
    const dir = tempDir({
      'deepseek-proxy.toml': port(1001),
      'from-env.toml': port(1002),
      'from-argv.toml': port(1003),
    });
    const env = { DSP_CONFIG: 'from-env.toml' };
    const a = loadConfig({ cwd: dir, env, argv: ['--config', 'from-argv.toml'] });
    expect(a.config.server.port).toBe(1003);
    expect(a.file).toBe(join(dir, 'from-argv.toml'));
    expect(loadConfig({ cwd: dir, env, argv: [`--config=${join(dir, 'from-argv.toml')}`] }).config.server.port).toBe(1003);
    const b = loadConfig({ cwd: dir, env, argv: [] });
    expect(b.config.server.port).toBe(1002);
    expect(b.file).toBe(join(dir, 'from-env.toml'));
    const c = loadConfig({ cwd: dir, env: {}, argv: [] });
    expect(c.config.server.port).toBe(1001);
    expect(c.file).toBe(join(dir, 'deepseek-proxy.toml'));
  });

  it('uses pure defaults when there is no file at all', () => {
    const dir = tempDir();
    const loaded = loadConfig({ cwd: dir, env: {}, argv: [] });
    expect(loaded).toEqual({ config: defaultConfig(), file: null, startEnvFile: null, warnings: [] });
  });

  it('refuses an explicitly named file that does not exist', () => {
    const dir = tempDir({ 'deepseek-proxy.toml': port(1001) });
    const viaArgv = thrown(() => loadConfig({ cwd: dir, env: {}, argv: ['--config', 'nope.toml'] }));
    expect(viaArgv).toBeInstanceOf(ConfigError);
    expect((viaArgv as ConfigError).code).toBe('CONFIG_INVALID');
    expect((viaArgv as ConfigError).message).toContain(join(dir, 'nope.toml'));
    expect((viaArgv as ConfigError).message).toContain('file not found');
    expect((viaArgv as ConfigError).problems[0]!.source).toBe('--config');
    const viaEnv = thrown(() => loadConfig({ cwd: dir, env: { DSP_CONFIG: 'missing.toml' }, argv: [] }));
    expect((viaEnv as ConfigError).message).toContain('env DSP_CONFIG');
    expect((viaEnv as ConfigError).problems[0]!.value).toBe(join(dir, 'missing.toml'));
  });

  it('refuses --config without a file name', () => {
    const err = thrown(() => loadConfig({ cwd: tempDir(), env: {}, argv: ['--config'] }));
    expect((err as ConfigError).message).toContain('--config');
  });

  it('ignores other arguments and an empty DSP_CONFIG', () => {
    const dir = tempDir({ 'deepseek-proxy.toml': port(1001) });
    const loaded = loadConfig({ cwd: dir, env: { DSP_CONFIG: '' }, argv: ['--verbose', 'serve'] });
    expect(loaded.config.server.port).toBe(1001);
  });
});

describe('the loaded config', () => {
  it('is deeply frozen', () => {
    const { config } = parseConfig(port(1234), { file: '/tmp/x.toml' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.deepseek.http_client)).toBe(true);
    expect(Object.isFrozen(config.deepseek.models)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.deepseek.models as string[]).push('x')).toThrow(TypeError);
    expect(Object.isFrozen(defaultConfig().auth.algorithms)).toBe(true);
  });

  it('keeps the TOML snake_case names', () => {
    const { config } = parseConfig('[deepseek.http_client]\ntimeout_seconds = 2.5\n', { file: '/tmp/x.toml' });
    expect(config.deepseek.http_client.timeout_seconds).toBe(2.5);
  });

  it('parseConfig applies no environment unless given one', () => {
    const saved = process.env.DSP_SERVER__PORT;
    process.env.DSP_SERVER__PORT = '4444';
    try {
      expect(parseConfig('', { file: '/tmp/x.toml' }).config.server.port).toBe(8877);
      expect(parseConfig('', { file: '/tmp/x.toml', env: process.env }).config.server.port).toBe(4444);
    } finally {
      if (saved === undefined) delete process.env.DSP_SERVER__PORT;
      else process.env.DSP_SERVER__PORT = saved;
    }
  });
});

describe('helpers', () => {
  it('demoMode is true exactly when no API key is configured', () => {
    expect(demoMode(defaultConfig())).toBe(true);
    const { config } = parseConfig('[deepseek]\napi_key = "sk-1"\n', { file: '/tmp/x.toml' });
    expect(demoMode(config)).toBe(false);
  });

  it('instanceId defaults to hostname:port', () => {
    expect(instanceId(defaultConfig(), 'gw1')).toBe('gw1:8877');
    const { config } = parseConfig('[server]\ninstance_id = "edge-a"\n', { file: '/tmp/x.toml' });
    expect(instanceId(config, 'gw1')).toBe('edge-a');
  });

  it('workerCount: 0 = one per core', () => {
    expect(workerCount(defaultConfig())).toBeGreaterThanOrEqual(1);
    expect(workerCount(parseConfig('[server]\nworkers = 3\n', { file: '/tmp/x.toml' }).config)).toBe(3);
  });

  it('redactConfig hides secrets and URL passwords', () => {
    const { config } = parseConfig('[deepseek]\napi_key = "sk-secret"\n[auth]\nsecret = "hush"\n[redis]\nurl = "redis://:pw@r:6379"\n', {
      file: '/tmp/x.toml',
    });
    const safe = JSON.stringify(redactConfig(config));
    expect(safe).not.toContain('sk-secret');
    expect(safe).not.toContain('hush');
    expect(safe).not.toContain(':pw@');
    expect(config.deepseek.api_key).toBe('sk-secret');
  });
});
