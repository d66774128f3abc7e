import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { upstreamAccounts } from './accounts.js';
import { ConfigError } from './errors.js';
import { demoMode, redactConfig } from './helpers.js';
import { defaultConfig, loadConfig, parseConfig } from './load.js';
import { tempDir, thrown } from './test-helpers.js';

const parse = (text: string, env = {}) => parseConfig(text, { file: 'test.toml', env, cwd: '/tmp' });
const problems = (text: string, env = {}) => (thrown(() => parse(text, env)) as ConfigError).problems;

const TWO = `
[deepseek]
base_url = "http://127.0.0.1:1/v1"

[[deepseek.accounts]]
name = "main"
api_key = "sk-main-0001"
max_concurrency = 500
models = ["deepseek-v4-flash"]
low_balance = 10

[[deepseek.accounts]]
name = "spare"
api_key = "sk-spare-0002"
base_url = "http://127.0.0.1:2"
weight = 2.5
`;

describe('[[deepseek.accounts]]', () => {
  it('keeps the single-key form working: deepseek.api_key is one account named "default"', () => {
    const { config } = parse('[deepseek]\napi_key = "sk-one"\nbase_url = "http://127.0.0.1:9/"\n');
    expect(upstreamAccounts(config)).toEqual([
      { name: 'default', apiKey: 'sk-one', baseUrl: 'http://127.0.0.1:9/', maxConcurrency: 0, weight: 1, models: [], lowBalance: 0, enabled: true },
    ]);
    expect(defaultConfig().deepseek.accounts).toEqual([]);
    expect(defaultConfig().deepseek.max_attempts).toBe(3);
    expect(defaultConfig().limits.upstream_wait_ms).toBe(0);
  });

  it('reads every account with its defaults; base_url falls back to deepseek.base_url', () => {
    const { config, warnings } = parse(TWO);
    expect(warnings).toEqual([]);
    expect(upstreamAccounts(config)).toEqual([
      {
        name: 'main',
        apiKey: 'sk-main-0001',
        baseUrl: 'http://127.0.0.1:1/v1',
        maxConcurrency: 500,
        weight: 1,
        models: ['deepseek-v4-flash'],
        lowBalance: 10,
        enabled: true,
      },
      { name: 'spare', apiKey: 'sk-spare-0002', baseUrl: 'http://127.0.0.1:2', maxConcurrency: 0, weight: 2.5, models: [], lowBalance: 0, enabled: true },
    ]);
    expect(demoMode(config)).toBe(false);
  });

  it('reads api_key_file relative to the config file', () => {
    const dir = tempDir({
      'conf/dsp.toml': '[[deepseek.accounts]]\nname = "a"\napi_key_file = "keys/a.key"\n',
      'conf/keys/a.key': '  sk-from-file  \n',
    });
    const { config } = loadConfig({ cwd: dir, env: {}, argv: ['--config', 'conf/dsp.toml'] });
    expect(config.deepseek.accounts[0]!.api_key).toBe('sk-from-file');
    expect(config.deepseek.accounts[0]!.api_key_file).toBe(join(dir, 'conf/keys/a.key'));
  });

  it('refuses a missing or empty key file, naming the item', () => {
    const dir = tempDir({
      'dsp.toml': '[[deepseek.accounts]]\nname = "a"\napi_key_file = "nope.key"\n',
      'empty.toml': '[[deepseek.accounts]]\nname = "b"\napi_key_file = "e.key"\n',
      'e.key': '\n',
    });
    const missing = thrown(() => loadConfig({ cwd: dir, env: {}, argv: ['--config', 'dsp.toml'] })) as ConfigError;
    expect(missing.problems[0]).toMatchObject({ path: 'deepseek.accounts[0].api_key_file', detail: 'file not found' });
    const empty = thrown(() => loadConfig({ cwd: dir, env: {}, argv: ['--config', 'empty.toml'] })) as ConfigError;
    expect(empty.problems[0]!.path).toBe('deepseek.accounts[0].api_key_file');
    expect(empty.problems[0]!.expected).toContain('the file is empty');
  });

  it('lists every bad item key with its path, secrets redacted', () => {
    const found = problems(`
[[deepseek.accounts]]
name = "bad name!"
api_key = 12345
max_concurrency = -1
weight = 0
base_url = "ftp://x"
`);
    const byPath = Object.fromEntries(found.map((p) => [p.path, p]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'deepseek.accounts[0].api_key',
        'deepseek.accounts[0].base_url',
        'deepseek.accounts[0].max_concurrency',
        'deepseek.accounts[0].name',
        'deepseek.accounts[0].weight',
      ].sort(),
    );
    expect(byPath['deepseek.accounts[0].api_key']!.value).toBe('<redacted>');
    expect(byPath['deepseek.accounts[0].max_concurrency']!.expected).toBe('integer >= 0');
    expect(byPath['deepseek.accounts[0].weight']!.expected).toBe('number > 0');
    expect(byPath['deepseek.accounts[0].name']!.expected).toContain('letters, digits');
    expect((thrown(() => parse('[[deepseek.accounts]]\napi_key = 12345\nname = "x"\n')) as Error).message).not.toContain('12345');
  });

  it('requires a name and a key on each account, and unique names', () => {
    const found = problems(`
[[deepseek.accounts]]
api_key = "sk-1"
[[deepseek.accounts]]
name = "a"
[[deepseek.accounts]]
name = "a"
api_key = "sk-3"
`);
    expect(found.map((p) => p.path)).toEqual(['deepseek.accounts[0].name', 'deepseek.accounts[1].api_key', 'deepseek.accounts[2].name']);
    expect(found[0]!.missing).toBe(true);
    expect(found[1]!.expected).toBe('an API key: set api_key or api_key_file');
    expect(found[2]!.expected).toContain('account 1 is also "a"');
  });

  it('takes several and capped accounts on Redis Cluster too (the account slot is then a second call)', () => {
    const two =
      '[redis]\ncluster = true\n[[deepseek.accounts]]\nname = "a"\napi_key = "sk-1"\nmax_concurrency = 10\n[[deepseek.accounts]]\nname = "b"\napi_key = "sk-2"\n';
    expect(parse(two).config.redis.cluster).toBe(true);
    expect(parse(two).config.deepseek.accounts).toHaveLength(2);
  });

  it('refuses accounts that are not an array of tables', () => {
    expect(problems('[deepseek]\naccounts = "main"\n')[0]).toMatchObject({ path: 'deepseek.accounts', expected: 'an array of tables ([[deepseek.accounts]])' });
    expect(problems('[deepseek]\naccounts = [1]\n')[0]).toMatchObject({ path: 'deepseek.accounts[0]', expected: 'a table ([[deepseek.accounts]] item)' });
  });

  it('warns about an unknown item key with a suggestion, and drops it', () => {
    const { config, warnings } = parse('[[deepseek.accounts]]\nname = "a"\napi_key = "sk"\nmax_concurency = 5\n');
    expect(warnings).toEqual([expect.stringContaining('unknown key "deepseek.accounts[0].max_concurency" (did you mean "max_concurrency"?)')]);
    expect(config.deepseek.accounts[0]!.max_concurrency).toBe(0);
  });

  it('warns that deepseek.api_key is unused when accounts are listed', () => {
    const { warnings } = parse('[deepseek]\napi_key = "sk-x"\n[[deepseek.accounts]]\nname = "a"\napi_key = "sk-a"\n');
    expect(warnings).toEqual([expect.stringContaining('deepseek.api_key (from the file) is not used')]);
    const fromEnv = parse('[[deepseek.accounts]]\nname = "a"\napi_key = "sk-a"\n', { DEEPSEEK_API_KEY: 'sk-env' });
    expect(fromEnv.warnings).toEqual([expect.stringContaining('from DEEPSEEK_API_KEY')]);
  });

  it('takes the whole list from DSP_DEEPSEEK__ACCOUNTS as JSON', () => {
    const env = { DSP_DEEPSEEK__ACCOUNTS: '[{"name":"e","api_key":"sk-env","max_concurrency":3}]' };
    const { config } = parse(TWO, env);
    expect(upstreamAccounts(config).map((a) => [a.name, a.maxConcurrency])).toEqual([['e', 3]]);
    const bad = thrown(() => parse('', { DSP_DEEPSEEK__ACCOUNTS: 'main' })) as ConfigError;
    expect(bad.problems[0]).toMatchObject({ path: 'deepseek.accounts', source: 'DSP_DEEPSEEK__ACCOUNTS', sourceKind: 'env' });
    expect(bad.warnings[0]).toContain('not JSON');
  });

  it('checks the failover and wait keys', () => {
    expect(problems('[deepseek]\nmax_attempts = 0\n')[0]).toMatchObject({ path: 'deepseek.max_attempts', expected: 'integer 1..10' });
    expect(problems('[limits]\nupstream_wait_ms = -5\n')[0]!.path).toBe('limits.upstream_wait_ms');
    expect(problems('[deepseek.breaker]\nfailure_threshold = 0\n')[0]!.path).toBe('deepseek.breaker.failure_threshold');
  });

  it('redacts account keys in the loggable config', () => {
    const { config } = parse(TWO);
    const safe = redactConfig(config);
    expect(safe.deepseek.accounts.map((a) => a.api_key)).toEqual(['<redacted>', '<redacted>']);
    expect(JSON.stringify(safe)).not.toContain('sk-main');
  });
});
