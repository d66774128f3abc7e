import { describe, expect, it } from 'vitest';
import { typeEnvValue } from './env.js';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load.js';
import { tempDir, thrown } from './test-helpers.js';

const FILE = '/tmp/dsp-env-test.toml';
const withEnv = (env: Record<string, string | undefined>, text = '') => parseConfig(text, { file: FILE, env });

describe('DSP_<SECTION>__<KEY> overrides', () => {
  it('types numbers from the schema', () => {
    const { config } = withEnv({ DSP_SERVER__PORT: '9000', DSP_LIMITS__LOCK_LEASE_SECONDS: ' 2.5 ' });
    expect(config.server.port).toBe(9000);
    expect(config.limits.lock_lease_seconds).toBe(2.5);
  });

  it('types booleans: true/false/1/0', () => {
    expect(withEnv({ DSP_DEEPSEEK__SEND_USER_ID: 'false' }).config.deepseek.send_user_id).toBe(false);
    expect(withEnv({ DSP_DEEPSEEK__SEND_USER_ID: '0' }).config.deepseek.send_user_id).toBe(false);
    expect(withEnv({ DSP_USAGE__RECORDER: 'TRUE' }, '[usage]\nrecorder = false\n').config.usage.recorder).toBe(true);
    expect(withEnv({ DSP_USAGE__RECORDER: '1' }, '[usage]\nrecorder = false\n').config.usage.recorder).toBe(true);
  });

  it('types lists: JSON arrays and comma-separated', () => {
    expect(withEnv({ DSP_AUTH__ALGORITHMS: '["EdDSA","ES256"]' }).config.auth.algorithms).toEqual(['EdDSA', 'ES256']);
    expect(withEnv({ DSP_DEEPSEEK__MODELS: 'deepseek-chat, deepseek-reasoner ,' }).config.deepseek.models).toEqual(['deepseek-chat', 'deepseek-reasoner']);
    expect(withEnv({ DSP_ADMIN__GATEWAY_METRICS_URLS: '' }).config.admin.gateway_metrics_urls).toEqual([]);
  });

  it('reaches nested tables with more __', () => {
    const { config } = withEnv(
      { DSP_DEEPSEEK__HTTP_CLIENT__TIMEOUT_SECONDS: '5', DSP_DEEPSEEK__HTTP_CLIENT__TCP_NODELAY: 'false' },
      '[deepseek.http_client]\ntimeout_seconds = 30\n',
    );
    expect(config.deepseek.http_client.timeout_seconds).toBe(5);
    expect(config.deepseek.http_client.tcp_nodelay).toBe(false);
    expect(config.deepseek.http_client.stream_timeout_seconds).toBe(300);
  });

  it('is case-insensitive and beats the file', () => {
    const { config } = withEnv({ dsp_server__port: '9100', Dsp_Log__Level: 'debug' }, '[server]\nport = 1\n');
    expect(config.server.port).toBe(9100);
    expect(config.log.level).toBe('debug');
  });

  it('reports a value that does not fit, naming the variable', () => {
    const err = thrown(() => withEnv({ DSP_SERVER__PORT: 'eighty', DSP_USAGE__RECORDER: 'yes' })) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => [p.path, p.source, p.sourceKind])).toEqual([
      ['server.port', 'DSP_SERVER__PORT', 'env'],
      ['usage.recorder', 'DSP_USAGE__RECORDER', 'env'],
    ]);
    expect(err.message).toContain('env DSP_SERVER__PORT: server.port = "eighty", expected integer 1..65535');
    expect(err.message).toContain('env DSP_USAGE__RECORDER: usage.recorder = "yes", expected boolean');
  });

  it('warns about an unknown DSP_ variable, with a suggestion', () => {
    const { warnings } = withEnv({ DSP_SERVER__PROT: '1', DSP_SERVER_PORT: '2', DSP_ZZZ__QQQ: '3', DSP_SERVER: 'x' });
    expect(warnings).toHaveLength(4);
    expect(warnings).toContainEqual(expect.stringMatching(/DSP_SERVER__PROT.*server\.prot.*did you mean DSP_SERVER__PORT\?/));
    expect(warnings).toContainEqual(expect.stringMatching(/DSP_SERVER_PORT.*did you mean DSP_SERVER__PORT\?/));
    expect(warnings).toContainEqual(expect.stringMatching(/DSP_ZZZ__QQQ: unknown configuration key "zzz\.qqq"; it is ignored/));
    expect(warnings).toContainEqual(expect.stringMatching(/DSP_SERVER: names the table \[server\]/));
  });

  it('does not treat DSP_CONFIG as a key', () => {
    const dir = tempDir({ 'c.toml': '' });
    expect(loadConfig({ cwd: dir, env: { DSP_CONFIG: 'c.toml' }, argv: [] }).warnings).toEqual([]);
  });
});

describe('DEEPSEEK_API_KEY, REDIS_URL, DATABASE_URL', () => {
  const file = '[deepseek]\napi_key = "from-file"\n[redis]\nurl = "redis://file:6379"\n[database]\nurl = "postgres://file/db"\n';

  it('are honoured over the file', () => {
    const { config } = withEnv({ DEEPSEEK_API_KEY: 'sk-env', REDIS_URL: 'rediss://cache:6380', DATABASE_URL: 'postgresql://db/app' }, file);
    expect(config.deepseek.api_key).toBe('sk-env');
    expect(config.redis.url).toBe('rediss://cache:6380');
    expect(config.database.url).toBe('postgresql://db/app');
  });

  it('lose to the DSP_ forms', () => {
    const { config } = withEnv({
      DEEPSEEK_API_KEY: 'sk-plain',
      DSP_DEEPSEEK__API_KEY: 'sk-dsp',
      REDIS_URL: 'redis://plain:1',
      DSP_REDIS__URL: 'redis://dsp:2',
      DATABASE_URL: 'postgres://plain/db',
      DSP_DATABASE__URL: 'postgres://dsp/db',
    });
    expect(config.deepseek.api_key).toBe('sk-dsp');
    expect(config.redis.url).toBe('redis://dsp:2');
    expect(config.database.url).toBe('postgres://dsp/db');
  });

  it('are ignored when empty', () => {
    const { config } = withEnv({ DEEPSEEK_API_KEY: '', REDIS_URL: '' }, file);
    expect(config.deepseek.api_key).toBe('from-file');
    expect(config.redis.url).toBe('redis://file:6379');
  });

  it('are named as the source of a bad value', () => {
    const err = thrown(() => withEnv({ REDIS_URL: 'http://nope' })) as ConfigError;
    expect(err.problems[0]).toMatchObject({ path: 'redis.url', source: 'REDIS_URL', sourceKind: 'env' });
  });
});

describe('typeEnvValue', () => {
  it('leaves strings that do not fit unchanged, for validation to report', () => {
    expect(typeEnvValue('integer', '12abc')).toBe('12abc');
    expect(typeEnvValue('integer', '1_000')).toBe(1000);
    expect(typeEnvValue('number', '-1.5e2')).toBe(-150);
    expect(typeEnvValue('boolean', 'maybe')).toBe('maybe');
    expect(typeEnvValue('list', '[1,')).toBe('[1,');
    expect(typeEnvValue('list', '"a"')).toEqual(['"a"']);
    expect(typeEnvValue('string', ' keep spaces ')).toBe(' keep spaces ');
  });
});
