import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseConfig } from './load.js';
import { thrown } from './test-helpers.js';

const parse = (text: string, env: Record<string, string> = {}) => parseConfig(text, { file: 'test.toml', env });

describe('[models] aliases', () => {
  it('is an inline table of client name → upstream name, empty by default', () => {
    expect(parse('').config.models.aliases).toEqual({});
    const c = parse('[models]\naliases = { "deepseek-chat" = "deepseek-v4-flash", "claude-sonnet-4-5" = "deepseek-v4-pro" }\n');
    expect(c.config.models.aliases).toEqual({ 'deepseek-chat': 'deepseek-v4-flash', 'claude-sonnet-4-5': 'deepseek-v4-pro' });
    expect(c.warnings).toEqual([]);
  });

  it('comes from the environment as JSON or name=target pairs', () => {
    expect(parse('', { DSP_MODELS__ALIASES: '{"a":"deepseek-chat"}' }).config.models.aliases).toEqual({ a: 'deepseek-chat' });
    expect(parse('', { DSP_MODELS__ALIASES: 'a = deepseek-chat, b=deepseek-v4-pro' }).config.models.aliases).toEqual({
      a: 'deepseek-chat',
      b: 'deepseek-v4-pro',
    });
  });

  it('refuses values that are not names', () => {
    for (const bad of ['aliases = ["x"]', 'aliases = { "a" = 1 }', 'aliases = { "a" = "" }']) {
      const e = thrown(() => parse(`[models]\n${bad}\n`));
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain('models.aliases');
    }
    expect(thrown(() => parse('', { DSP_MODELS__ALIASES: 'a=b=c' }))).toBeInstanceOf(ConfigError);
  });
});
