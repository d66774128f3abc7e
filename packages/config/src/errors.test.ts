import { describe, expect, it } from 'vitest';
import { ConfigError, formatValue, isConfigError } from './errors.js';
import { parseConfig } from './load.js';
import { thrown } from './test-helpers.js';

const FILE = '/srv/dsp/deepseek-proxy.toml';
const fail = (text: string, env: Record<string, string> = {}) => thrown(() => parseConfig(text, { file: FILE, env })) as ConfigError;

describe('unknown keys', () => {
  it('are a warning with the full key path and a suggestion, not an error', () => {
    const { config, warnings } = parseConfig(
      '[server]\nprot = 1\n[deepseek.http_client]\ntimeout_second = 5\n[servre]\nhost = "x"\n[auth]\napi_key = "k"\n[zzz]\n',
      { file: FILE },
    );
    expect(config.server.port).toBe(8877);
    expect(warnings).toEqual([
      `${FILE}: unknown key "server.prot" (did you mean "server.port"?); it is ignored`,
      `${FILE}: unknown key "deepseek.http_client.timeout_second" (did you mean "deepseek.http_client.timeout_seconds"?); it is ignored`,
      `${FILE}: unknown table [servre] (did you mean [server]?); it is ignored`,
      `${FILE}: unknown key "auth.api_key" (did you mean "deepseek.api_key"?); it is ignored`,
      `${FILE}: unknown table [zzz]; it is ignored`,
    ]);
  });

  it('a top-level key that is not a table is unknown too', () => {
    const { warnings } = parseConfig('port = 8000\n', { file: FILE });
    expect(warnings).toEqual([`${FILE}: unknown key "port" (did you mean "server.port"?); it is ignored`]);
  });
});

describe('one error naming every problem', () => {
  it('a wrong type, an unknown key and a missing required value', () => {
    const text = [
      '[server]',
      'port = "8877"',
      'workers = 2',
      'hots = "0.0.0.0"',
      '[deepseek.http_client]',
      'timeout_seconds = "soon"',
      '[redis]',
      'url = ""',
    ].join('\n');
    const err = fail(text);
    expect(err).toBeInstanceOf(ConfigError);
    expect(isConfigError(err)).toBe(true);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.file).toBe(FILE);
    expect(err.problems).toEqual([
      { path: 'server.port', value: '8877', expected: 'integer 1..65535', source: FILE, sourceKind: 'file' },
      {
        path: 'deepseek.http_client.timeout_seconds',
        value: 'soon',
        expected: 'number > 0',
        source: FILE,
        sourceKind: 'file',
      },
      {
        path: 'redis.url',
        value: '',
        expected: 'non-empty redis:// or rediss:// URL',
        source: FILE,
        sourceKind: 'file',
        missing: true,
      },
    ]);
    expect(err.warnings).toEqual([expect.stringContaining('unknown key "server.hots" (did you mean "server.host"?)')]);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(`Invalid configuration (3 problems; config file ${FILE}):`);
    expect(err.message).toContain(`${FILE}: server.port = "8877", expected integer 1..65535`);
    expect(err.message).toContain(`${FILE}: deepseek.http_client.timeout_seconds = "soon", expected number > 0`);
    expect(err.message).toContain(`${FILE}: redis.url is missing (empty), expected non-empty redis:// or rediss:// URL`);
    expect(err.message).toContain('Warnings:');
    expect(err.message).toContain('server.hots');
  });

  it('mixes file and environment sources in one error', () => {
    const err = fail('[metrics]\nport = -1\n', { DSP_LIMITS__TOKEN_CONCURRENCY: '0' });
    expect(err.problems.map((p) => [p.path, p.source])).toEqual([
      ['limits.token_concurrency', 'DSP_LIMITS__TOKEN_CONCURRENCY'],
      ['metrics.port', FILE],
    ]);
    expect(err.message).toMatch(/2 problems/);
  });

  it('a rule spanning keys (HS256 needs a secret) is reported with a type error elsewhere', () => {
    const err = fail('[server]\nport = "http"\n[auth]\nalgorithms = ["HS256"]\n');
    expect(err.problems.map((p) => [p.path, p.expected])).toEqual([
      ['server.port', 'integer 1..65535'],
      ['auth.secret', 'a secret (or auth.secret_file) because auth.algorithms includes "HS256"'],
    ]);
    expect(err.problems[1]).toMatchObject({ value: '', missing: true, source: FILE });
    // a short secret is named, never echoed
    const short = fail('[auth]\nalgorithms = ["ES256", "HS256"]\nsecret = "tooshort"\n[metrics]\nport = -1\n');
    expect(short.problems.map((p) => [p.path, p.value])).toEqual([
      ['auth.secret', '<redacted>'],
      ['metrics.port', -1],
    ]);
    expect(short.message).not.toContain('tooshort');
    // the rule reads the environment's value too, and holds for a long enough secret
    expect(() => parseConfig('[auth]\nalgorithms = ["HS256"]\n', { file: FILE, env: { DSP_AUTH__SECRET: 'x'.repeat(32) } })).not.toThrow();
    // an algorithm list of the wrong type is the type check's problem only
    expect(fail('[auth]\nalgorithms = "HS256"\n').problems.map((p) => p.path)).toEqual(['auth.algorithms']);
  });

  it('a section that is not a table', () => {
    const err = fail('server = 5\n');
    expect(err.problems[0]).toMatchObject({ path: 'server', value: 5, expected: 'a table ([server])' });
  });
});

describe('TOML syntax errors', () => {
  it('carry the line and column', () => {
    const err = fail('[server]\nport = 8877\nhost = = "x"\n');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ path: '', source: FILE, line: 3, column: 8, expected: 'valid TOML syntax' });
    expect(err.message).toContain(`${FILE}:3:8`);
    expect(err.message).toContain('line 3');
    expect(err.message).toContain('host = = "x"');
  });

  it('duplicate keys are syntax errors too', () => {
    const err = fail('[server]\nport = 1\nport = 2\n');
    expect(err.problems[0]!.line).toBe(3);
  });
});

describe('value checks', () => {
  it('an invalid time zone', () => {
    const err = fail('[quota]\ntimezone = "Mars/Olympus_Mons"\n');
    expect(err.problems).toEqual([expect.objectContaining({ path: 'quota.timezone', value: 'Mars/Olympus_Mons' })]);
    expect(err.message).toContain('IANA time zone');
    expect(parseConfig('[quota]\ntimezone = "Asia/Shanghai"\n', { file: FILE }).config.quota.timezone).toBe('Asia/Shanghai');
  });

  it('an invalid enum value', () => {
    const err = fail('[limits]\non_redis_error = "ignore"\n[log]\nlevel = "verbose"\n[auth]\nalgorithms = ["ES256", "RS256"]\n');
    expect(err.problems.map((p) => [p.path, p.value])).toEqual([
      ['auth.algorithms[1]', 'RS256'],
      ['limits.on_redis_error', 'ignore'],
      ['log.level', 'verbose'],
    ]);
    expect(err.message).toContain('expected "reject" | "allow"');
    expect(err.message).toContain('"fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent"');
    expect(err.message).toContain('"ES256" | "EdDSA" | "HS256"');
  });

  it('an empty algorithm list counts as missing', () => {
    const err = fail('[auth]\nalgorithms = []\n');
    expect(err.problems[0]).toMatchObject({ path: 'auth.algorithms', missing: true });
  });

  it('out-of-range ports and other numbers', () => {
    const err = fail(
      '[server]\nport = 70000\nmax_body_bytes = 0\nworkers = 1.5\n[admin]\nport = 0\n[metrics]\nport = 0\n[deepseek.http_client]\nconnect_timeout_seconds = 0\n',
    );
    expect(err.problems.map((p) => p.path)).toEqual([
      'server.port',
      'server.workers',
      'server.max_body_bytes',
      'deepseek.http_client.connect_timeout_seconds',
      'admin.port',
    ]);
    expect(err.message).toContain('server.port = 70000, expected integer 1..65535');
  });

  it('URLs of the wrong kind', () => {
    const err = fail(
      '[deepseek]\nbase_url = "ftp://x"\n[redis]\nurl = "http://r"\n[database]\nurl = "mysql://d"\n[admin]\ngateway_metrics_urls = ["not a url"]\n',
    );
    expect(err.problems.map((p) => p.path)).toEqual(['deepseek.base_url', 'redis.url', 'database.url', 'admin.gateway_metrics_urls[0]']);
  });

  it('a key prefix that would break Redis Cluster hash tags', () => {
    expect(fail('[redis]\nkey_prefix = "{dsp}:"\n').problems[0]!.path).toBe('redis.key_prefix');
  });

  it('integers too big for a double are reported, not thrown raw', () => {
    const err = fail('[server]\nmax_body_bytes = 99999999999999999999\n');
    expect(err.problems[0]).toMatchObject({ path: 'server.max_body_bytes' });
    expect(err.message).toContain('99999999999999999999');
  });

  it('never echoes secrets or URL passwords', () => {
    const err = fail('[deepseek]\napi_key = 12345\n[database]\nurl = "mysql://admin:hunter2@db/x"\n');
    expect(err.problems[0]).toMatchObject({ path: 'deepseek.api_key', value: '<redacted>' });
    expect(err.message).not.toContain('12345');
    expect(err.message).not.toContain('hunter2');
  });
});

describe('formatValue', () => {
  it('quotes strings and shows lists as JSON', () => {
    expect(formatValue('a')).toBe('"a"');
    expect(formatValue(['a', 1])).toBe('["a",1]');
    expect(formatValue(undefined)).toBe('(missing)');
    expect(formatValue(10n)).toBe('10');
  });
});

describe('[admin.oidc] single sign-on', () => {
  const problems = (text: string) => fail(text).problems.map((p) => [p.path, p.expected]);

  it('needs a client id, the public URL and a group once an issuer is set', () => {
    expect(problems('[admin.oidc]\nissuer = "https://id.example.com/realms/ops"\n').sort()).toEqual([
      ['admin.oidc.admin_group', 'a group (admin_group and/or viewer_group) because admin.oidc.issuer is set: without one every single sign-on is refused'],
      ['admin.oidc.client_id', 'a client id because admin.oidc.issuer is set'],
      ['admin.public_url', 'the URL operators open the console at, because admin.oidc.issuer is set (the redirect URI is built from it)'],
    ]);
  });

  it('accepts a complete setup, and an http issuer only on loopback', () => {
    const ok = '[admin]\npublic_url = "https://dsp.example.com"\n[admin.oidc]\nclient_id = "dsp"\nadmin_group = "ops"\n';
    const { config } = parseConfig(ok + 'issuer = "https://id.example.com"\n', { file: FILE });
    expect(config.admin.oidc).toMatchObject({ issuer: 'https://id.example.com', client_id: 'dsp', admin_group: 'ops', groups_claim: 'groups' });
    expect(() => parseConfig(ok + 'issuer = "http://127.0.0.1:9000"\n', { file: FILE })).not.toThrow();
    expect(problems(ok + 'issuer = "http://id.example.com"\n')).toEqual([['admin.oidc.issuer', 'empty or https URL (http on loopback)']]);
  });

  it('refuses switching local passwords off without single sign-on, and scopes without openid', () => {
    expect(problems('[admin]\nlocal_passwords = false\n')).toEqual([
      ['admin.local_passwords', 'true unless admin.oidc.issuer is set: with neither, nobody could sign in to the console'],
    ]);
    const text =
      '[admin]\npublic_url = "https://dsp.example.com"\n[admin.oidc]\nissuer = "https://id.example.com"\nclient_id = "dsp"\nviewer_group = "*"\nscopes = ["email"]\n';
    expect(problems(text)).toEqual([['admin.oidc.scopes', 'a list that includes "openid"']]);
    // switched off by environment variable too
    expect(fail('', { DSP_ADMIN__LOCAL_PASSWORDS: 'false' }).problems.map((p) => p.path)).toEqual(['admin.local_passwords']);
  });
});
